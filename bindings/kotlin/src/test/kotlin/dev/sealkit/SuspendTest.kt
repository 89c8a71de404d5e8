package dev.sealkit

import kotlin.test.assertTrue
import java.nio.file.Path
import java.util.Collections
import java.util.concurrent.Executors
import kotlin.io.path.readBytes
import kotlin.io.path.writeBytes
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

class SuspendTest {
    @Test
    fun `a group of twenty is formed with suspend calls and every member reads the first message`() = runBlocking {
        inMemory("alice", "phone").use { alice ->
            val members = (1..20).map { inMemory("member$it", "phone") }
            try {
                val io = alice.suspending
                io.createGroup("team")
                val packages = members.map { it.suspending.keyPackages(1).single() }
                val commit = io.addGroupMembers("team", packages)
                io.confirmGroupCommit("team")
                for (member in members) assertEquals("team", member.suspending.joinGroup(checkNotNull(commit.welcome)).groupId)
                val hello = alice.encryptGroup("team", "hello".toByteArray())
                for (member in members) {
                    val event = member.suspending.processGroupMessage(hello).single() as GroupEvent.Message
                    assertEquals("hello", event.plaintext.text)
                }
                val removal = io.removeGroupMembers("team", listOf(members[0].address()))
                io.confirmGroupCommit("team")
                assertEquals(20, alice.groupMembers("team").size)
                assertTrue(members[1].suspending.processGroupMessage(removal.commit).any { it is GroupEvent.MembersRemoved })
            } finally {
                members.forEach { it.close() }
            }
        }
    }

    @Test
    fun `a suspend call leaves the caller's thread free while it runs`() = runBlocking {
        // runBlocking has one thread: if addGroupMembers blocked it, the
        // second coroutine could only run after the first had finished.
        inMemory("alice", "phone").use { alice ->
            inMemory("bob", "laptop").use { bob ->
                alice.createGroup("team")
                val order = Collections.synchronizedList(mutableListOf<String>())
                val adding = launch {
                    alice.suspending.addGroupMembers("team", bob.keyPackages(1))
                    order += "added"
                }
                val other = launch { order += "other coroutine ran" }
                adding.join()
                other.join()
                assertEquals(listOf("other coroutine ran", "added"), order)
            }
        }
    }

    @Test
    fun `a suspend call runs on the dispatcher it is given and throws the same kinds`() {
        val threadNames = Collections.synchronizedSet(mutableSetOf<String>())
        val executor = Executors.newSingleThreadExecutor { task -> Thread(task, "sealkit-io").also { threadNames += it.name } }
        executor.asCoroutineDispatcher().use { dispatcher ->
            inMemory("alice", "phone").use { alice ->
                val io = SuspendingClient(alice, dispatcher)
                runBlocking {
                    io.createGroup("team")
                    assertThrows<SealkitException.GroupExists> { runBlocking { io.createGroup("team") } }
                }
                assertEquals(setOf("sealkit-io"), threadNames)
            }
        }
    }

    @Test
    fun `files are sealed and opened with suspend calls`(@TempDir dir: Path) = runBlocking {
        val photo = pattern(200_000)
        val key = generateFileKey()
        val plain = dir.resolve("photo").also { it.writeBytes(photo) }
        val sealed = dir.resolve("photo.sealed").toString()
        SuspendingSealkit.encryptFile(plain.toString(), sealed, key)
        val opened = dir.resolve("opened")
        SuspendingSealkit.decryptFile(sealed, opened.toString(), key)
        assertContentEquals(photo, opened.readBytes())
        assertContentEquals(photo.copyOfRange(65_000, 66_000), SuspendingSealkit.decryptRange(sealed, key, 65_000, 1000))
        assertContentEquals(photo, SuspendingSealkit.decryptBytes(SuspendingSealkit.encryptBytes(photo, key), key))

        SuspendingSealkit.openSqlite(dir.resolve("bob.db").toString(), STORAGE_KEY, "bob", "laptop").use { bob ->
            val toBob = dir.resolve("to-bob.sealed").toString()
            SuspendingSealkit.encryptFileToRecipients(plain.toString(), toBob, listOf(bob.fileRecipient()))
            val byBob = dir.resolve("by-bob")
            bob.suspending.decryptFile(toBob, byBob.toString())
            assertContentEquals(photo, byBob.readBytes())
        }
        generateFileIdentity(false).use { identity ->
            val toIdentity = dir.resolve("to-identity.sealed").toString()
            SuspendingSealkit.encryptFileToRecipients(plain.toString(), toIdentity, listOf(identity.recipient()))
            val out = dir.resolve("by-identity")
            SuspendingSealkit.decryptFileWithIdentity(toIdentity, out.toString(), identity.secret())
            assertContentEquals(photo, out.readBytes())
        }
    }
}

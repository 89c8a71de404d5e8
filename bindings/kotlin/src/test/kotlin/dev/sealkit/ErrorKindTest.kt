package dev.sealkit

import kotlin.test.assertTrue
import java.nio.file.Path
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.fail
import org.junit.jupiter.api.io.TempDir

/** What an app does for each kind: one `when` over the sealed SealkitException, no `else`. */
fun advice(error: SealkitException): String = when (error) {
    is SealkitException.InvalidInput -> "fix the call"
    is SealkitException.Decode -> "drop the bytes"
    is SealkitException.Decrypt -> "drop the message"
    is SealkitException.Duplicate -> "ignore the copy"
    is SealkitException.TooFarAhead -> "drop the message"
    is SealkitException.UntrustedIdentity -> "ask the user"
    is SealkitException.WrongRecipient -> "drop the message"
    is SealkitException.NoSession -> "fetch a bundle"
    is SealkitException.PrekeyUnavailable -> "fetch another bundle"
    is SealkitException.BadSignature -> "refuse the bundle"
    is SealkitException.UnknownGroup -> "forget the group"
    is SealkitException.GroupExists -> "pick another id"
    is SealkitException.WrongEpoch -> "drop the message"
    is SealkitException.UnknownEpoch -> "hold and retry"
    is SealkitException.GroupRejected -> "refuse the message"
    is SealkitException.BadCredential -> "refuse the member"
    is SealkitException.UnknownSender -> "drop the message"
    is SealkitException.NotAMember -> "rejoin"
    is SealkitException.PendingCommit -> "confirm or discard"
    is SealkitException.NoPendingCommit -> "nothing to confirm"
    is SealkitException.BufferFull -> "catch up first"
    is SealkitException.Storage -> "check the disk"
    is SealkitException.RolledBack -> "refuse the backup"
    is SealkitException.Closed -> "reopen"
    is SealkitException.Io -> "check the file"
    is SealkitException.Protocol -> "report"
    is SealkitException.KeyEvicted -> "drop the message"
    is SealkitException.UnknownIdentity -> "verify first"
    is SealkitException.Internal -> "report"
}

class ErrorKindTest {
    private fun adviceFor(block: () -> Unit): String {
        try {
            block()
        } catch (error: SealkitException) {
            return advice(error)
        }
        fail("no SealkitException was thrown")
    }

    @Test
    fun `each failure reaches the app as its own exception class`(@TempDir dir: Path) {
        inMemory("alice", "phone").use { alice ->
            inMemory("bob", "laptop").use { bob ->
                assertEquals("fix the call", adviceFor { inMemory("", "phone") })
                assertEquals("drop the bytes", adviceFor { takeBundleForSession(byteArrayOf(1, 2, 3)) })
                assertEquals("fetch a bundle", adviceFor { alice.encrypt(bob.address(), "x".toByteArray()) })
                startSession(alice, bob)
                val message = alice.encrypt(bob.address(), "x".toByteArray())
                val tampered = message.copyOf().also { it[it.size - 1] = (it.last().toInt() xor 1).toByte() }
                assertEquals("drop the message", adviceFor { bob.decrypt(tampered) })
                bob.decrypt(message)
                assertEquals("ignore the copy", adviceFor { bob.decrypt(message) })
                assertEquals("forget the group", adviceFor { alice.groupEpoch("team") })
                alice.createGroup("team")
                assertEquals("pick another id", adviceFor { alice.createGroup("team") })
                assertEquals("nothing to confirm", adviceFor { alice.confirmGroupCommit("team") })
                assertEquals("check the file", adviceFor { alice.decryptFile(dir.resolve("missing").toString(), dir.resolve("out").toString()) })
            }
        }
        sqlite(dir, "carol", "tablet").close()
        assertEquals("check the disk", adviceFor {
            SealkitClient.openSqlite(dir.resolve("carol.db").toString(), ByteArray(32) { 0x08 }, "carol", "tablet")
        })
        inMemory("dave", "watch").use { dave ->
            dave.closeStore()
            assertEquals("reopen", adviceFor { dave.prekeyBundle(1) })
        }
    }

    @Test
    fun `an exception carries its detail for logs, and is a kotlin Exception`() {
        val error = kotlin.runCatching { inMemory("", "phone") }.exceptionOrNull()
        check(error is SealkitException.InvalidInput)
        assertTrue(error.detail.isNotEmpty())
        assertTrue(error is Exception)
    }
}

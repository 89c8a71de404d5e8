// The scenario of bindings/SCENARIO.md through the Kotlin bindings: two
// devices start a session from a published bundle, exchange messages out of
// order across ratchet steps, refuse a tampered and a replayed message,
// form a group with a third device and remove it, share a file and a media
// frame, and reopen from SQLite between steps. Prints one `checkpoint
// <name>` line per step, the same lines as the Rust, Python and Swift
// versions. Run: `bindings/kotlin/run.sh dev.sealkit.scenario.ScenarioKt`.
package dev.sealkit.scenario

import dev.sealkit.DeviceAddress
import dev.sealkit.GroupEvent
import dev.sealkit.SealkitClient
import dev.sealkit.SealkitException
import dev.sealkit.decryptBytes
import dev.sealkit.decryptFile
import dev.sealkit.decryptRange
import dev.sealkit.encrypt
import dev.sealkit.encryptBytes
import dev.sealkit.encryptFileToRecipients
import dev.sealkit.generateFileKey
import dev.sealkit.keyPackages
import dev.sealkit.prekeyBundle
import dev.sealkit.takeBundleForSession
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path
import kotlin.io.path.readBytes
import kotlin.io.path.writeBytes

/** The test storage key of SCENARIO.md (an app takes it from the keychain). */
val STORAGE_KEY = ByteArray(32) { 0x07 }

/** Pattern(n) of SCENARIO.md. */
fun pattern(length: Int): ByteArray = ByteArray(length) { ((it * 7 + 3) % 256).toByte() }

private const val TEAM = "team"

/** A device kept in its own SQLite file, reopened between steps. */
private class Device(dir: Path, val user: String, val device: String) {
    private val path = dir.resolve("$user.db").toString()
    var client: SealkitClient = open()
        private set

    private fun open() = SealkitClient.openSqlite(path, STORAGE_KEY, user, device)

    /** Closes the client (the native object and its store) and opens the same device again. */
    fun reopen() {
        client.close()
        client = open()
    }

    val address: DeviceAddress get() = client.address()

    fun receive(envelope: ByteArray, from: Device, text: String, at: String) {
        val decrypted = client.decrypt(envelope)
        check(decrypted.sender == from.address, at, "sender")
        check(decrypted.plaintext.contentEquals(text.toByteArray()), at, "plaintext")
    }

    fun receiveGroup(message: ByteArray, from: Device, text: String, at: String) {
        val events = client.processGroupMessage(message)
        val event = events.singleOrNull()
        if (event !is GroupEvent.Message) throw CheckFailed(at, "expected one message, got $events")
        check(event.groupId == TEAM, at, "group id")
        check(event.sender == from.address, at, "group sender")
        check(event.plaintext.contentEquals(text.toByteArray()), at, "group plaintext")
    }

    fun memberCount(): Int = client.groupMembers(TEAM).size
}

fun main() = runOrExit("scenario") { runScenario(System.out) }

/** Runs the scenario, printing its checkpoints to `out`; throws at the first failed check. */
fun runScenario(out: PrintStream) {
    val dir = Files.createTempDirectory("sealkit-scenario")
    try {
        scenario(dir, out)
    } finally {
        dir.toFile().deleteRecursively()
    }
}

private fun scenario(dir: Path, out: PrintStream) {
    val alice = Device(dir, "alice", "phone")
    val bob = Device(dir, "bob", "laptop")
    val carol = Device(dir, "carol", "tablet")
    fun checkpoint(name: String) = out.println("checkpoint $name")

    // 1. Bob publishes; the server hands Alice one bundle for one session.
    var at = "bundle-published"
    val published = bob.client.prekeyBundle(5)
    val split = takeBundleForSession(published)
    check(split.remaining.size < published.size, at, "rest shorter")
    check(split.forSession.size < published.size, at, "session bundle shorter")
    checkpoint(at)

    // 2. The session starts from the bundle; Bob answers.
    at = "session-started"
    bob.receive(alice.client.encrypt(bob.address, split.forSession, "a1".toByteArray()), alice, "a1", at)
    alice.receive(bob.client.encrypt(alice.address, "b1".toByteArray()), bob, "b1", at)
    check(alice.client.sessions() == listOf(bob.address), at, "alice's sessions")
    check(bob.client.sessions() == listOf(alice.address), at, "bob's sessions")
    checkpoint(at)

    // 3. Out of order across two ratchet steps.
    at = "out-of-order"
    val a2 = alice.client.encrypt(bob.address, "a2".toByteArray())
    val a3 = alice.client.encrypt(bob.address, "a3".toByteArray())
    bob.receive(a3, alice, "a3", at)
    alice.receive(bob.client.encrypt(alice.address, "b2".toByteArray()), bob, "b2", at)
    bob.receive(alice.client.encrypt(bob.address, "a4".toByteArray()), alice, "a4", at)
    bob.receive(a2, alice, "a2", at)
    checkpoint(at)

    // 4. Both reopen from SQLite; the session goes on.
    at = "reopened-1"
    alice.reopen()
    bob.reopen()
    bob.receive(alice.client.encrypt(bob.address, "a5".toByteArray()), alice, "a5", at)
    checkpoint(at)

    // 5. A tampered copy is refused and changes nothing.
    at = "tampered-rejected"
    val a6 = alice.client.encrypt(bob.address, "a6".toByteArray())
    val tampered = a6.copyOf().also { it[it.size - 1] = (it.last().toInt() xor 0x01).toByte() }
    expectKind<SealkitException.Decrypt>(at) { bob.client.decrypt(tampered) }
    bob.receive(a6, alice, "a6", at)
    checkpoint(at)

    // 6. A replay is refused.
    at = "replay-rejected"
    expectKind<SealkitException.Duplicate>(at) { bob.client.decrypt(a6) }
    checkpoint(at)

    // 7. Alice forms a group with Bob and Carol.
    at = "group-formed"
    alice.client.createGroup(TEAM)
    val packages = listOf(bob.client.keyPackages(1).single(), carol.client.keyPackages(1).single())
    val commit = alice.client.addGroupMembers(TEAM, packages)
    alice.client.confirmGroupCommit(TEAM)
    val welcome = commit.welcome ?: throw CheckFailed(at, "an add without a welcome")
    for (joiner in listOf(bob, carol)) {
        check(joiner.client.joinGroup(welcome).groupId == TEAM, at, "joined group id")
    }
    val g1 = alice.client.encryptGroup(TEAM, "g1".toByteArray())
    bob.receiveGroup(g1, alice, "g1", at)
    carol.receiveGroup(g1, alice, "g1", at)
    val g2 = bob.client.encryptGroup(TEAM, "g2".toByteArray())
    alice.receiveGroup(g2, bob, "g2", at)
    carol.receiveGroup(g2, bob, "g2", at)
    for (member in listOf(alice, bob, carol)) check(member.memberCount() == 3, at, "three members")
    checkpoint(at)

    // 8. All three reopen; the group goes on.
    at = "reopened-2"
    for (device in listOf(alice, bob, carol)) device.reopen()
    val g3 = carol.client.encryptGroup(TEAM, "g3".toByteArray())
    alice.receiveGroup(g3, carol, "g3", at)
    bob.receiveGroup(g3, carol, "g3", at)
    checkpoint(at)

    // 9. Alice removes Carol, who reads nothing after.
    at = "member-removed"
    val removal = alice.client.removeGroupMembers(TEAM, listOf(carol.address))
    alice.client.confirmGroupCommit(TEAM)
    check(
        bob.client.processGroupMessage(removal.commit)
            .any { it is GroupEvent.MembersRemoved && it.members == listOf(carol.address) },
        at, "bob sees carol removed",
    )
    check(
        carol.client.processGroupMessage(removal.commit).any { it is GroupEvent.Removed && it.groupId == TEAM },
        at, "carol is told she was removed",
    )
    check(carol.client.groups().isEmpty(), at, "carol's groups")
    val g4 = alice.client.encryptGroup(TEAM, "g4".toByteArray())
    bob.receiveGroup(g4, alice, "g4", at)
    expectKind<SealkitException.UnknownGroup>(at) { carol.client.processGroupMessage(g4) }
    check(alice.memberCount() == 2, at, "alice: two members")
    check(bob.memberCount() == 2, at, "bob: two members")
    checkpoint(at)

    // 10. A file under a key sent in the session, then one sealed to Bob.
    at = "file-shared"
    val photo = pattern(200_000)
    val key = generateFileKey()
    val sealed = encryptBytes(photo, key)
    val bobKey = bob.client.decrypt(alice.client.encrypt(bob.address, key)).plaintext
    check(bobKey.size == 32, at, "the key message is 32 bytes")
    check(decryptBytes(sealed, bobKey).contentEquals(photo), at, "bytes decrypted")
    val photoPath = dir.resolve("photo.sealed").also { it.writeBytes(sealed) }
    val range = decryptRange(photoPath.toString(), bobKey, 131_000, 1000)
    check(range.contentEquals(photo.copyOfRange(131_000, 132_000)), at, "range read")
    val plainPath = dir.resolve("photo").also { it.writeBytes(photo) }
    val toBob = dir.resolve("to-bob.sealed").toString()
    encryptFileToRecipients(plainPath.toString(), toBob, listOf(bob.client.fileRecipient()))
    val openedByBob = dir.resolve("opened-by-bob")
    bob.client.decryptFile(toBob, openedByBob.toString())
    check(openedByBob.readBytes().contentEquals(photo), at, "opened by bob's client")
    expectKind<SealkitException.Decrypt>(at) { decryptFile(toBob, dir.resolve("by-key").toString(), bobKey) }
    expectKind<SealkitException.Decrypt>(at) { carol.client.decryptFile(toBob, dir.resolve("by-carol").toString()) }
    checkpoint(at)

    // 11. A media frame keyed from the group; its replay is refused.
    at = "media-frame"
    alice.client.groupMedia(TEAM).use { aliceMedia ->
        bob.client.groupMedia(TEAM).use { bobMedia ->
            val frame = aliceMedia.encryptFrame("frame-1".toByteArray(), "hdr".toByteArray())
            val heard = bobMedia.decryptFrame(frame)
            check(heard.frame.contentEquals("frame-1".toByteArray()), at, "frame")
            check(heard.clearHeader.contentEquals("hdr".toByteArray()), at, "clear header")
            check(heard.epoch == bob.client.groupEpoch(TEAM), at, "epoch")
            expectKind<SealkitException.Duplicate>(at) { bobMedia.decryptFrame(frame) }
        }
    }
    checkpoint(at)

    // 12. Done.
    at = "done"
    for (device in listOf(alice, bob, carol)) device.client.close()
    checkpoint(at)
}

// The Kotlin node of the interop ring of bindings/SCENARIO.md: one step per
// run, on a device kept in `<dir>/kotlin.db`, exchanging files with the
// nodes of the other bindings (examples/src/bin/interop.rs is the Rust one).
//
//   run.sh dev.sealkit.scenario.InteropKt init <dir> kotlin
//   run.sh dev.sealkit.scenario.InteropKt send <dir> kotlin <to>
//   run.sh dev.sealkit.scenario.InteropKt receive <dir> kotlin <from>
//   run.sh dev.sealkit.scenario.InteropKt check <dir> kotlin <to>
package dev.sealkit.scenario

import dev.sealkit.DeviceAddress
import dev.sealkit.GroupEvent
import dev.sealkit.SealkitClient
import dev.sealkit.encrypt
import dev.sealkit.encryptFileToRecipients
import dev.sealkit.keyPackages
import dev.sealkit.prekeyBundle
import dev.sealkit.takeBundleForSession
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import kotlin.io.path.deleteIfExists
import kotlin.io.path.readBytes
import kotlin.io.path.readText
import kotlin.io.path.writeBytes
import kotlin.io.path.writeText
import kotlin.system.exitProcess

private const val NODE = "kotlin"
private const val DEVICE = "interop"
private const val FILE_LEN = 150_000

fun main(args: Array<String>) {
    val step = args.firstOrNull() ?: ""
    val run: (Path) -> Unit = when {
        step == "init" && args.size == 3 -> { dir -> thisNode(args[2]); init(dir) }
        step == "send" && args.size == 4 -> { dir -> thisNode(args[2]); send(dir, args[3]) }
        step == "receive" && args.size == 4 -> { dir -> thisNode(args[2]); receive(dir, args[3]) }
        step == "check" && args.size == 4 -> { dir -> thisNode(args[2]); checkReplies(dir, args[3]) }
        else -> {
            System.err.println("usage: interop init|send|receive|check <dir> kotlin [<peer>]")
            exitProcess(2)
        }
    }
    runOrExit("interop $NODE") { run(Paths.get(args[1])) }
    println("interop $step $NODE ok")
}

private fun thisNode(node: String) = check(node == NODE, "usage", "this program is the kotlin node")

/** The device, reopened from its SQLite file at every step; `body` runs with it, then it is closed. */
private fun <T> withDevice(dir: Path, body: (SealkitClient) -> T): T =
    SealkitClient.openSqlite(dir.resolve("$NODE.db").toString(), STORAGE_KEY, NODE, DEVICE).use(body)

private fun address(node: String) = DeviceAddress(node, DEVICE)

private fun init(dir: Path) = withDevice(dir) { client ->
    dir.resolve("$NODE.bundle").writeBytes(takeBundleForSession(client.prekeyBundle(3)).forSession)
    dir.resolve("$NODE.keypackage").writeBytes(client.keyPackages(1).single())
    dir.resolve("$NODE.recipient").writeText(client.fileRecipient())
}

private fun send(dir: Path, to: String) = withDevice(dir) { client ->
    val stem = "$NODE-$to"
    val envelope = client.encrypt(address(to), dir.resolve("$to.bundle").readBytes(), "hello $to from $NODE".toByteArray())
    dir.resolve("$stem.envelope").writeBytes(envelope)

    val group = "$NODE-group"
    client.createGroup(group)
    val commit = client.addGroupMembers(group, listOf(dir.resolve("$to.keypackage").readBytes()))
    client.confirmGroupCommit(group)
    val welcome = commit.welcome ?: throw CheckFailed("send", "an add without a welcome")
    dir.resolve("$stem.welcome").writeBytes(welcome)
    dir.resolve("$stem.group").writeBytes(client.encryptGroup(group, "group hello from $NODE".toByteArray()))

    val recipient = dir.resolve("$to.recipient").readText().trim()
    val plain = Files.createTempFile(dir, "$stem-", ".plain")
    try {
        plain.writeBytes(pattern(FILE_LEN))
        encryptFileToRecipients(plain.toString(), dir.resolve("$stem.file").toString(), listOf(recipient))
    } finally {
        plain.deleteIfExists()
    }

    client.groupMedia(group).use { media ->
        dir.resolve("$stem.frame").writeBytes(media.encryptFrame("frame from $NODE".toByteArray(), "hdr".toByteArray()))
    }
}

private fun receive(dir: Path, from: String) = withDevice(dir) { client ->
    val at = "receive"
    val stem = "$from-$NODE"
    val sender = address(from)
    val decrypted = client.decrypt(dir.resolve("$stem.envelope").readBytes())
    check(decrypted.sender == sender, at, "envelope sender")
    check(decrypted.plaintext.contentEquals("hello $NODE from $from".toByteArray()), at, "envelope text")

    val group = "$from-group"
    check(client.joinGroup(dir.resolve("$stem.welcome").readBytes()).groupId == group, at, "group id")
    expectMessage(client.processGroupMessage(dir.resolve("$stem.group").readBytes()), sender, "group hello from $from", at)

    val opened = Files.createTempFile(dir, "$stem-", ".opened")
    try {
        opened.deleteIfExists() // decryptFile creates it
        client.decryptFile(dir.resolve("$stem.file").toString(), opened.toString())
        check(opened.readBytes().contentEquals(pattern(FILE_LEN)), at, "file")
    } finally {
        opened.deleteIfExists()
    }

    client.groupMedia(group).use { media ->
        val frame = media.decryptFrame(dir.resolve("$stem.frame").readBytes())
        check(frame.frame.contentEquals("frame from $from".toByteArray()), at, "frame")
        check(frame.clearHeader.contentEquals("hdr".toByteArray()), at, "frame header")
    }

    dir.resolve("$NODE-$from.reply").writeBytes(client.encrypt(sender, "reply to $from from $NODE".toByteArray()))
    dir.resolve("$NODE-$from.group-reply").writeBytes(client.encryptGroup(group, "group reply from $NODE".toByteArray()))
}

private fun checkReplies(dir: Path, to: String) = withDevice(dir) { client ->
    val at = "check"
    val peer = address(to)
    val reply = client.decrypt(dir.resolve("$to-$NODE.reply").readBytes())
    check(reply.sender == peer, at, "reply sender")
    check(reply.plaintext.contentEquals("reply to $NODE from $to".toByteArray()), at, "reply text")
    expectMessage(client.processGroupMessage(dir.resolve("$to-$NODE.group-reply").readBytes()), peer, "group reply from $to", at)
}

private fun expectMessage(events: List<GroupEvent>, from: DeviceAddress, text: String, at: String) {
    val event = events.singleOrNull()
    if (event !is GroupEvent.Message) throw CheckFailed(at, "expected one message, got $events")
    check(event.sender == from, at, "group sender")
    check(event.plaintext.contentEquals(text.toByteArray()), at, "group text")
}

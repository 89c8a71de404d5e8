package dev.sealkit

import java.nio.file.Path

/** The test storage key of SCENARIO.md (an app takes it from the platform keychain). */
val STORAGE_KEY = ByteArray(32) { 0x07 }

/** Pattern(n) of SCENARIO.md: `b[i] = (i * 7 + 3) mod 256`. */
fun pattern(length: Int): ByteArray = ByteArray(length) { ((it * 7 + 3) % 256).toByte() }

fun inMemory(user: String, device: String): SealkitClient = SealkitClient.openInMemory(user, device)

fun sqlite(dir: Path, user: String, device: String): SealkitClient =
    SealkitClient.openSqlite(dir.resolve("$user.db").toString(), STORAGE_KEY, user, device)

/** The bundle Alice's first message to `responder` is sealed with, as a key server hands it out. */
fun bundleForSession(responder: SealkitClient): ByteArray =
    takeBundleForSession(responder.prekeyBundle(5)).forSession

/** Starts a session from `initiator` to `responder` and answers once, so both sides have sent. */
fun startSession(initiator: SealkitClient, responder: SealkitClient) {
    val first = initiator.encrypt(responder.address(), bundleForSession(responder), "hello".toByteArray())
    responder.decrypt(first)
    initiator.decrypt(responder.encrypt(initiator.address(), "hello back".toByteArray()))
}

/**
 * A group `groupId` created by `creator` with `joiners` added from one key
 * package each and the commit confirmed; every joiner has joined from the welcome.
 */
fun formGroup(groupId: String, creator: SealkitClient, vararg joiners: SealkitClient) {
    creator.createGroup(groupId)
    val commit = creator.addGroupMembers(groupId, joiners.map { it.keyPackages(1).single() })
    creator.confirmGroupCommit(groupId)
    val welcome = checkNotNull(commit.welcome) { "an add without a welcome" }
    for (joiner in joiners) joiner.joinGroup(welcome)
}

val ByteArray.text: String get() = toString(Charsets.UTF_8)

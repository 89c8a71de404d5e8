// `suspend` versions of the operations that can take long (a group commit
// over many members, opening a SQLite store, a file of any size), run on
// Dispatchers.IO so they never block the caller's thread (an Android main
// thread, a server's event loop). Each one calls the generated blocking
// function once: no behaviour of its own.
package dev.sealkit

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext

/**
 * The long operations of `client` as `suspend` functions on `dispatcher`
 * (Dispatchers.IO unless given). The client is not copied: closing it
 * closes this view too.
 */
class SuspendingClient(
    val client: SealkitClient,
    private val dispatcher: CoroutineDispatcher = Dispatchers.IO,
) {
    /** [SealkitClient.createGroup] off the caller's thread. */
    suspend fun createGroup(groupId: String): Unit =
        withContext(dispatcher) { client.createGroup(groupId) }

    /** [SealkitClient.addGroupMembers] off the caller's thread. */
    suspend fun addGroupMembers(groupId: String, keyPackages: List<ByteArray>): GroupCommit =
        withContext(dispatcher) { client.addGroupMembers(groupId, keyPackages) }

    /** [SealkitClient.removeGroupMembers] off the caller's thread. */
    suspend fun removeGroupMembers(groupId: String, members: List<DeviceAddress>): GroupCommit =
        withContext(dispatcher) { client.removeGroupMembers(groupId, members) }

    /** [SealkitClient.updateGroup] off the caller's thread. */
    suspend fun updateGroup(groupId: String): GroupCommit =
        withContext(dispatcher) { client.updateGroup(groupId) }

    /** [SealkitClient.commitGroupProposals] off the caller's thread. */
    suspend fun commitGroupProposals(groupId: String): GroupCommit =
        withContext(dispatcher) { client.commitGroupProposals(groupId) }

    /** [SealkitClient.confirmGroupCommit] off the caller's thread. */
    suspend fun confirmGroupCommit(groupId: String): List<GroupEvent> =
        withContext(dispatcher) { client.confirmGroupCommit(groupId) }

    /** [SealkitClient.joinGroup] off the caller's thread. */
    suspend fun joinGroup(welcome: ByteArray): JoinedGroup =
        withContext(dispatcher) { client.joinGroup(welcome) }

    /** [SealkitClient.processGroupMessage] off the caller's thread. */
    suspend fun processGroupMessage(message: ByteArray): List<GroupEvent> =
        withContext(dispatcher) { client.processGroupMessage(message) }

    /** [SealkitClient.keyPackages] off the caller's thread. */
    suspend fun keyPackages(count: Int): List<ByteArray> =
        withContext(dispatcher) { client.keyPackages(count) }

    /** [SealkitClient.prekeyBundle] off the caller's thread. */
    suspend fun prekeyBundle(oneTimeCount: Int): ByteArray =
        withContext(dispatcher) { client.prekeyBundle(oneTimeCount) }

    /** [SealkitClient.decryptFile] (a file sealed to this device) off the caller's thread. */
    suspend fun decryptFile(inputPath: String, outputPath: String): Unit =
        withContext(dispatcher) { client.decryptFile(inputPath, outputPath) }
}

/** The long operations of this client as `suspend` functions on Dispatchers.IO. */
val SealkitClient.suspending: SuspendingClient get() = SuspendingClient(this)

/**
 * The file functions, and opening a SQLite store, as `suspend` functions on
 * Dispatchers.IO (they read and write whole files).
 */
object SuspendingSealkit {
    /** [SealkitClient.openSqlite] off the caller's thread. */
    suspend fun openSqlite(
        path: String,
        storageKey: ByteArray,
        userId: String,
        deviceId: String,
    ): SealkitClient = withContext(Dispatchers.IO) {
        SealkitClient.openSqlite(path, storageKey, userId, deviceId)
    }

    /** [dev.sealkit.encryptFile] off the caller's thread. */
    suspend fun encryptFile(
        inputPath: String,
        outputPath: String,
        fileKey: ByteArray,
        chunkSize: UInt? = null,
    ): Unit = withContext(Dispatchers.IO) { dev.sealkit.encryptFile(inputPath, outputPath, fileKey, chunkSize) }

    /** [dev.sealkit.decryptFile] off the caller's thread. */
    suspend fun decryptFile(inputPath: String, outputPath: String, fileKey: ByteArray): Unit =
        withContext(Dispatchers.IO) { dev.sealkit.decryptFile(inputPath, outputPath, fileKey) }

    /** [dev.sealkit.encryptFileToRecipients] off the caller's thread. */
    suspend fun encryptFileToRecipients(
        inputPath: String,
        outputPath: String,
        recipients: List<String>,
    ): Unit = withContext(Dispatchers.IO) {
        dev.sealkit.encryptFileToRecipients(inputPath, outputPath, recipients)
    }

    /** [dev.sealkit.decryptFileWithIdentity] off the caller's thread. */
    suspend fun decryptFileWithIdentity(
        inputPath: String,
        outputPath: String,
        identitySecret: String,
    ): Unit = withContext(Dispatchers.IO) {
        dev.sealkit.decryptFileWithIdentity(inputPath, outputPath, identitySecret)
    }

    /** [dev.sealkit.encryptBytes] off the caller's thread. */
    suspend fun encryptBytes(plaintext: ByteArray, fileKey: ByteArray): ByteArray =
        withContext(Dispatchers.IO) { dev.sealkit.encryptBytes(plaintext, fileKey) }

    /** [dev.sealkit.decryptBytes] off the caller's thread. */
    suspend fun decryptBytes(sealed: ByteArray, fileKey: ByteArray): ByteArray =
        withContext(Dispatchers.IO) { dev.sealkit.decryptBytes(sealed, fileKey) }

    /** [dev.sealkit.decryptRange] off the caller's thread. */
    suspend fun decryptRange(inputPath: String, fileKey: ByteArray, offset: Long, length: Long): ByteArray =
        withContext(Dispatchers.IO) { dev.sealkit.decryptRange(inputPath, fileKey, offset, length) }
}

package dev.sealkit

import kotlin.test.assertTrue
import java.nio.file.Files
import java.nio.file.Path
import kotlin.io.path.exists
import kotlin.io.path.readBytes
import kotlin.io.path.writeBytes
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

class FileTest {
    @TempDir
    lateinit var dir: Path

    private val photo = pattern(200_000)

    @Test
    fun `bytes sealed under a file key open with that key and no other`() {
        val key = generateFileKey()
        assertEquals(32, key.size)
        val sealed = encryptBytes(photo, key)
        assertContentEquals(photo, decryptBytes(sealed, key))
        assertThrows<SealkitException.Decrypt> { decryptBytes(sealed, generateFileKey()) }
        assertThrows<SealkitException.InvalidInput> { encryptBytes(photo, ByteArray(16)) }
        val truncated = sealed.copyOf(sealed.size - 100)
        assertThrows<SealkitException.Decrypt> { decryptBytes(truncated, key) }
    }

    @Test
    fun `a range read decrypts the bytes across a chunk boundary and stops at the end`() {
        val key = generateFileKey()
        val plain = dir.resolve("photo").also { it.writeBytes(photo) }
        val sealed = dir.resolve("photo.sealed")
        encryptFile(plain.toString(), sealed.toString(), key, null)
        assertContentEquals(photo.copyOfRange(131_000, 132_000), decryptRange(sealed.toString(), key, 131_000, 1000))
        assertContentEquals(photo.copyOfRange(199_990, 200_000), decryptRange(sealed.toString(), key, 199_990, 1000))
        assertEquals(0, decryptRange(sealed.toString(), key, 300_000, 10).size)
        assertThrows<IllegalArgumentException> { decryptRange(sealed.toString(), key, -1, 10) }
    }

    @Test
    fun `a file sealed on disk in small chunks opens to the same bytes, and a failed open writes nothing`() {
        val key = generateFileKey()
        val plain = dir.resolve("photo").also { it.writeBytes(photo) }
        val sealed = dir.resolve("photo.sealed")
        encryptFile(plain.toString(), sealed.toString(), key, 4096u)
        val opened = dir.resolve("opened")
        decryptFile(sealed.toString(), opened.toString(), key)
        assertContentEquals(photo, opened.readBytes())
        assertContentEquals(photo, decryptBytes(sealed.readBytes(), key))

        val refused = dir.resolve("refused")
        assertThrows<SealkitException.Decrypt> { decryptFile(sealed.toString(), refused.toString(), generateFileKey()) }
        assertFalse(refused.exists())
        assertThrows<SealkitException.InvalidInput> { encryptFile(plain.toString(), dir.resolve("x").toString(), key, 10u) }
        assertThrows<SealkitException.Io> { encryptFile(dir.resolve("missing").toString(), dir.resolve("y").toString(), key, null) }
    }

    @Test
    fun `a file sealed to a device and to a file identity opens for both and for nobody else`() {
        inMemory("bob", "laptop").use { bob ->
            inMemory("carol", "tablet").use { carol ->
                generateFileIdentity(false).use { identity ->
                    val plain = dir.resolve("photo").also { it.writeBytes(photo) }
                    val sealed = dir.resolve("to-bob.sealed")
                    encryptFileToRecipients(plain.toString(), sealed.toString(), listOf(bob.fileRecipient(), identity.recipient()))

                    val byBob = dir.resolve("by-bob")
                    bob.decryptFile(sealed.toString(), byBob.toString())
                    assertContentEquals(photo, byBob.readBytes())
                    val byIdentity = dir.resolve("by-identity")
                    decryptFileWithIdentity(sealed.toString(), byIdentity.toString(), identity.secret())
                    assertContentEquals(photo, byIdentity.readBytes())

                    val byCarol = dir.resolve("by-carol")
                    assertThrows<SealkitException.Decrypt> { carol.decryptFile(sealed.toString(), byCarol.toString()) }
                    assertFalse(byCarol.exists())
                    // A file sealed to recipients has a fresh key of its own.
                    assertThrows<SealkitException.Decrypt> {
                        decryptFile(sealed.toString(), dir.resolve("by-key").toString(), generateFileKey())
                    }
                    assertThrows<SealkitException.InvalidInput> {
                        encryptFileToRecipients(plain.toString(), dir.resolve("none").toString(), emptyList())
                    }
                    assertThrows<SealkitException.InvalidInput> {
                        encryptFileToRecipients(plain.toString(), dir.resolve("bad").toString(), listOf("not a recipient"))
                    }
                }
            }
        }
    }

    @Test
    fun `a post-quantum file identity is an X-Wing recipient and opens its file`() {
        generateFileIdentity(true).use { identity ->
            assertTrue(identity.recipient().startsWith("sealkit1-xwing-"))
            val plain = dir.resolve("small").also { Files.write(it, pattern(1000)) }
            val sealed = dir.resolve("small.sealed")
            encryptFileToRecipients(plain.toString(), sealed.toString(), listOf(identity.recipient()))
            val opened = dir.resolve("opened")
            decryptFileWithIdentity(sealed.toString(), opened.toString(), identity.secret())
            assertContentEquals(pattern(1000), opened.readBytes())
        }
    }
}

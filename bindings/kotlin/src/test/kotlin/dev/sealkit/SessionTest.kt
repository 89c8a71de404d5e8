package dev.sealkit

import kotlin.test.assertTrue
import java.nio.file.Path
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

class SessionTest {
    @Test
    fun `a session starts from a bundle the server split off the published one`() {
        inMemory("alice", "phone").use { alice ->
            inMemory("bob", "laptop").use { bob ->
                val published = bob.prekeyBundle(5)
                val split = takeBundleForSession(published)
                assertTrue(split.forSession.size < published.size)
                assertTrue(split.remaining.size < published.size)

                val envelope = alice.encrypt(bob.address(), split.forSession, "a1".toByteArray())
                val decrypted = bob.decrypt(envelope)
                assertEquals(DeviceAddress("alice", "phone"), decrypted.sender)
                assertEquals("a1", decrypted.plaintext.text)
                assertEquals("b1", alice.decrypt(bob.encrypt(alice.address(), "b1".toByteArray())).plaintext.text)
                assertEquals(listOf(bob.address()), alice.sessions())
                assertEquals(listOf(alice.address()), bob.sessions())
            }
        }
    }

    @Test
    fun `alice and bob recover after reordering across ratchet steps`() {
        inMemory("alice", "phone").use { alice ->
            inMemory("bob", "laptop").use { bob ->
                startSession(alice, bob)
                val a2 = alice.encrypt(bob.address(), "a2".toByteArray())
                val a3 = alice.encrypt(bob.address(), "a3".toByteArray())
                assertEquals("a3", bob.decrypt(a3).plaintext.text)
                val b2 = bob.encrypt(alice.address(), "b2".toByteArray())
                assertEquals("b2", alice.decrypt(b2).plaintext.text)
                val a4 = alice.encrypt(bob.address(), "a4".toByteArray())
                assertEquals("a4", bob.decrypt(a4).plaintext.text)
                // a2 is from two of Alice's chains back: a skipped key.
                assertEquals("a2", bob.decrypt(a2).plaintext.text)
                assertThrows<SealkitException.Duplicate> { bob.decrypt(a2) }
            }
        }
    }

    @Test
    fun `a tampered envelope is refused and leaves the session as it was`() {
        inMemory("alice", "phone").use { alice ->
            inMemory("bob", "laptop").use { bob ->
                startSession(alice, bob)
                val genuine = alice.encrypt(bob.address(), "a6".toByteArray())
                val tampered = genuine.copyOf().also { it[it.size - 1] = (it.last().toInt() xor 1).toByte() }
                assertThrows<SealkitException.Decrypt> { bob.decrypt(tampered) }
                assertEquals("a6", bob.decrypt(genuine).plaintext.text)
            }
        }
    }

    @Test
    fun `a session continues after both devices reopen from SQLite`(@TempDir dir: Path) {
        var alice = sqlite(dir, "alice", "phone")
        var bob = sqlite(dir, "bob", "laptop")
        startSession(alice, bob)
        alice.close()
        bob.close()
        alice = sqlite(dir, "alice", "phone")
        bob = sqlite(dir, "bob", "laptop")
        alice.use {
            bob.use {
                assertEquals(listOf(bob.address()), alice.sessions())
                assertEquals("a5", bob.decrypt(alice.encrypt(bob.address(), "a5".toByteArray())).plaintext.text)
            }
        }
    }

    @Test
    fun `a message with a receipt stays unacknowledged until the app acknowledges it`() {
        inMemory("alice", "phone").use { alice ->
            inMemory("bob", "laptop").use { bob ->
                startSession(alice, bob)
                val received = bob.decryptWithReceipt(alice.encrypt(bob.address(), "kept".toByteArray()))
                assertEquals("kept", received.plaintext.text)
                assertContentEquals(received.id, bob.unacknowledged().single().id)
                assertTrue(bob.acknowledge(received.id))
                assertEquals(emptyList(), bob.unacknowledged())
            }
        }
    }

    @Test
    fun `both devices compute the same safety number and accept each other's QR code`() {
        inMemory("alice", "phone").use { alice ->
            inMemory("bob", "laptop").use { bob ->
                startSession(alice, bob)
                assertEquals(alice.safetyNumber(bob.address()), bob.safetyNumber(alice.address()))
                assertTrue(bob.verifySafetyQr(alice.address(), alice.safetyQrPayload(bob.address())))
                assertContentEquals(bob.identity(), alice.trustedIdentity(bob.address()))
            }
        }
    }

    @Test
    fun `addresses read and print as user slash device`() {
        assertEquals(DeviceAddress("alice", "phone"), deviceAddress("alice/phone"))
        assertEquals("bob/laptop", DeviceAddress("bob", "laptop").text)
        assertThrows<IllegalArgumentException> { deviceAddress("alice") }
    }
}

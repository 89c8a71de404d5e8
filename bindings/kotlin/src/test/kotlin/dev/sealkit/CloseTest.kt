package dev.sealkit

import java.nio.file.Path
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

class CloseTest {
    @Test
    fun `use releases the native client, and a later call is an IllegalStateException`() {
        val client = inMemory("alice", "phone")
        val address = client.use {
            assertFalse(it.uniffiIsDestroyed)
            it.address()
        }
        assertEquals(DeviceAddress("alice", "phone"), address)
        assertTrue(client.uniffiIsDestroyed)
        // The Rust object is gone: uniffi refuses the call before it crosses.
        assertThrows<IllegalStateException> { client.address() }
        assertThrows<IllegalStateException> { client.prekeyBundle(1) }
        client.close() // closing twice does nothing
    }

    @Test
    fun `use releases the client even when the block throws`() {
        val client = inMemory("alice", "phone")
        assertThrows<SealkitException.UnknownGroup> { client.use { it.groupEpoch("nobody") } }
        assertTrue(client.uniffiIsDestroyed)
    }

    @Test
    fun `closeStore keeps the object but every later call fails with the Closed kind`(@TempDir dir: Path) {
        sqlite(dir, "alice", "phone").use { alice ->
            alice.closeStore()
            assertThrows<SealkitException.Closed> { alice.prekeyBundle(1) }
            assertThrows<SealkitException.Closed> { alice.sessions() }
            alice.closeStore() // closing twice does nothing
        }
    }

    @Test
    fun `after close the SQLite file opens again with the same device`(@TempDir dir: Path) {
        val identity = sqlite(dir, "alice", "phone").use { it.identity() }
        sqlite(dir, "alice", "phone").use { kotlin.test.assertContentEquals(identity, it.identity()) }
        assertThrows<SealkitException.InvalidInput> { sqlite(dir, "alice", "laptop") }
    }

    @Test
    fun `a media context and a file identity are released by use too`() {
        inMemory("alice", "phone").use { alice ->
            alice.createGroup("team")
            val media = alice.groupMedia("team")
            media.use { it.epoch() }
            assertThrows<IllegalStateException> { media.epoch() }
            val identity = generateFileIdentity(false)
            identity.use { it.recipient() }
            assertThrows<IllegalStateException> { identity.secret() }
        }
    }
}

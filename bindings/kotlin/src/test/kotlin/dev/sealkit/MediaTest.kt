package dev.sealkit

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNotEquals
import kotlin.test.assertTrue
import org.junit.jupiter.api.assertThrows

class MediaTest {
    @Test
    fun `a frame sealed from the group key opens once for another member`() {
        inMemory("alice", "phone").use { alice ->
            inMemory("bob", "laptop").use { bob ->
                formGroup("team", alice, bob)
                alice.groupMedia("team").use { aliceMedia ->
                    bob.groupMedia("team").use { bobMedia ->
                        val sealed = aliceMedia.encryptFrame("frame-1".toByteArray(), "hdr".toByteArray())
                        assertTrue(sealed.size <= "frame-1".length + "hdr".length + aliceMedia.maxOverhead().toInt())
                        val heard = bobMedia.decryptFrame(sealed)
                        assertEquals("frame-1", heard.frame.text)
                        assertEquals("hdr", heard.clearHeader.text)
                        assertEquals(bob.groupEpoch("team"), heard.epoch)
                        assertEquals(aliceMedia.ownIndex(), heard.senderIndex)
                        assertThrows<SealkitException.Duplicate> { bobMedia.decryptFrame(sealed) }

                        val tampered = aliceMedia.encryptFrame("frame-2".toByteArray(), ByteArray(0))
                        tampered[tampered.size - 1] = (tampered.last().toInt() xor 1).toByte()
                        assertThrows<SealkitException.Decrypt> { bobMedia.decryptFrame(tampered) }
                    }
                }
            }
        }
    }

    @Test
    fun `after a commit both contexts rekey and frames of the new epoch open`() {
        inMemory("alice", "phone").use { alice ->
            inMemory("bob", "laptop").use { bob ->
                formGroup("team", alice, bob)
                val aliceMedia = alice.groupMedia("team")
                val bobMedia = bob.groupMedia("team")
                val before = aliceMedia.epoch()
                val update = alice.updateGroup("team")
                alice.confirmGroupCommit("team")
                bob.processGroupMessage(update.commit)
                assertTrue(alice.rekeyGroupMedia("team", aliceMedia))
                assertTrue(bob.rekeyGroupMedia("team", bobMedia))
                assertNotEquals(before, aliceMedia.epoch())
                assertEquals(before, aliceMedia.previousEpoch())
                val heard = bobMedia.decryptFrame(aliceMedia.encryptFrame("new".toByteArray(), ByteArray(0)))
                assertEquals(alice.groupEpoch("team"), heard.epoch)
                aliceMedia.close()
                bobMedia.close()
            }
        }
    }
}

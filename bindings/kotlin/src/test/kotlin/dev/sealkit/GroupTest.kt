package dev.sealkit

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue
import org.junit.jupiter.api.assertThrows

class GroupTest {
    private fun onlyMessage(events: List<GroupEvent>): GroupEvent.Message =
        assertIs<GroupEvent.Message>(events.single())

    @Test
    fun `three devices form a group and each reads the others' messages`() {
        inMemory("alice", "phone").use { alice ->
            inMemory("bob", "laptop").use { bob ->
                inMemory("carol", "tablet").use { carol ->
                    alice.createGroup("team")
                    val commit = alice.addGroupMembers("team", listOf(bob.keyPackages(1).single(), carol.keyPackages(1).single()))
                    val confirmed = alice.confirmGroupCommit("team")
                    assertTrue(confirmed.any { it is GroupEvent.MembersAdded && it.members.size == 2 })
                    val welcome = checkNotNull(commit.welcome)
                    for (joiner in listOf(bob, carol)) {
                        val joined = joiner.joinGroup(welcome)
                        assertEquals("team", joined.groupId)
                        assertEquals(alice.groupEpoch("team"), joined.epoch)
                        assertEquals(3, joined.members.size)
                    }

                    val g1 = alice.encryptGroup("team", "g1".toByteArray())
                    for (reader in listOf(bob, carol)) {
                        val message = onlyMessage(reader.processGroupMessage(g1))
                        assertEquals("team", message.groupId)
                        assertEquals(alice.address(), message.sender)
                        assertEquals("g1", message.plaintext.text)
                    }
                    val g2 = bob.encryptGroup("team", "g2".toByteArray())
                    assertEquals("g2", onlyMessage(alice.processGroupMessage(g2)).plaintext.text)
                    assertEquals(bob.address(), onlyMessage(carol.processGroupMessage(g2)).sender)
                    for (member in listOf(alice, bob, carol)) {
                        assertEquals(3, member.groupMembers("team").size)
                        assertEquals(listOf("team"), member.groups())
                    }
                }
            }
        }
    }

    @Test
    fun `a removed member is told so and cannot read what follows`() {
        inMemory("alice", "phone").use { alice ->
            inMemory("bob", "laptop").use { bob ->
                inMemory("carol", "tablet").use { carol ->
                    formGroup("team", alice, bob, carol)
                    val removal = alice.removeGroupMembers("team", listOf(carol.address()))
                    alice.confirmGroupCommit("team")

                    val bobSees = bob.processGroupMessage(removal.commit)
                    assertTrue(bobSees.any { it is GroupEvent.MembersRemoved && it.members == listOf(carol.address()) })
                    val carolSees = carol.processGroupMessage(removal.commit)
                    assertTrue(carolSees.any { it is GroupEvent.Removed && it.groupId == "team" })
                    assertEquals(emptyList(), carol.groups())

                    val g4 = alice.encryptGroup("team", "g4".toByteArray())
                    assertEquals("g4", onlyMessage(bob.processGroupMessage(g4)).plaintext.text)
                    assertThrows<SealkitException.UnknownGroup> { carol.processGroupMessage(g4) }
                    assertEquals(listOf(alice.address(), bob.address()), alice.groupMembers("team").map { it.device })
                    assertEquals(2, bob.groupMembers("team").size)
                }
            }
        }
    }

    @Test
    fun `every event the processing returns is one case of the sealed GroupEvent`() {
        inMemory("alice", "phone").use { alice ->
            inMemory("bob", "laptop").use { bob ->
                formGroup("team", alice, bob)
                val update = alice.updateGroup("team")
                alice.confirmGroupCommit("team")
                val events = bob.processGroupMessage(update.commit)
                assertTrue(events.isNotEmpty())
                for (event in events) {
                    // Exhaustive without `else`: the compiler checks every case is named.
                    val epoch: ULong? = when (event) {
                        is GroupEvent.Message -> event.epoch
                        is GroupEvent.MembersAdded -> null
                        is GroupEvent.MembersRemoved -> null
                        is GroupEvent.EpochChanged -> event.epoch
                        is GroupEvent.Removed -> null
                        is GroupEvent.Proposal -> null
                        is GroupEvent.Buffered -> event.epoch
                        is GroupEvent.BufferedDropped -> event.epoch
                        is GroupEvent.OwnCommitDiscarded -> null
                        GroupEvent.Unknown -> null
                    }
                    if (event is GroupEvent.EpochChanged) assertEquals(alice.groupEpoch("team"), epoch)
                }
                assertTrue(events.any { it is GroupEvent.EpochChanged })
            }
        }
    }

    @Test
    fun `a second group of the same name and a group nobody created are refused by kind`() {
        inMemory("alice", "phone").use { alice ->
            alice.createGroup("team")
            assertThrows<SealkitException.GroupExists> { alice.createGroup("team") }
            assertThrows<SealkitException.UnknownGroup> { alice.encryptGroup("nobody", "x".toByteArray()) }
        }
    }

    @Test
    fun `both members derive the same exported secret`() {
        inMemory("alice", "phone").use { alice ->
            inMemory("bob", "laptop").use { bob ->
                formGroup("team", alice, bob)
                val context = "call-1".toByteArray()
                val ours = alice.exportGroupSecret("team", "app key", context, 32u)
                assertEquals(32, ours.size)
                kotlin.test.assertContentEquals(ours, bob.exportGroupSecret("team", "app key", context, 32u))
            }
        }
    }
}

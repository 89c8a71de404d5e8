package dev.sealkit

import java.util.Collections
import java.util.concurrent.Callable
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlin.test.Test
import kotlin.test.assertEquals

class ThreadingTest {
    private val threads = 4
    private val perThread = 50

    private fun <T> onThreads(tasks: List<() -> T>): List<T> {
        val pool = Executors.newFixedThreadPool(threads)
        try {
            return pool.invokeAll(tasks.map { Callable { it() } }).map { it.get(60, TimeUnit.SECONDS) }
        } finally {
            pool.shutdown()
        }
    }

    @Test
    fun `four threads encrypting on one client at once give messages the peer all decrypts`() {
        inMemory("alice", "phone").use { alice ->
            inMemory("bob", "laptop").use { bob ->
                startSession(alice, bob)
                val sent = onThreads((0 until threads).map { thread ->
                    {
                        (0 until perThread).map { index ->
                            val text = "thread $thread message $index"
                            text to alice.encrypt(bob.address(), text.toByteArray())
                        }
                    }
                }).flatten()
                assertEquals(threads * perThread, sent.size)

                // Bob decrypts them from four threads too, in whatever order they run.
                val received = Collections.synchronizedList(mutableListOf<String>())
                onThreads(sent.chunked(perThread).map { chunk ->
                    { chunk.forEach { (_, envelope) -> received += bob.decrypt(envelope).plaintext.text } }
                })
                assertEquals(sent.map { it.first }.sorted(), received.sorted())
            }
        }
    }

    @Test
    fun `group messages sent from several threads are all read by the other member`() {
        inMemory("alice", "phone").use { alice ->
            inMemory("bob", "laptop").use { bob ->
                formGroup("team", alice, bob)
                val sent = onThreads((0 until threads).map { thread ->
                    { (0 until 10).map { alice.encryptGroup("team", "t$thread-$it".toByteArray()) } }
                }).flatten()
                val texts = sent.map { (bob.processGroupMessage(it).single() as GroupEvent.Message).plaintext.text }
                assertEquals((0 until threads).flatMap { t -> (0 until 10).map { "t$t-$it" } }.sorted(), texts.sorted())
            }
        }
    }
}

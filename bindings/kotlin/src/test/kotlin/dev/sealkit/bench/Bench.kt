// Steady-state cost of one encrypt+decrypt of 100 bytes between two
// in-memory clients, and of a trivial call (address()), through the Kotlin
// bindings. Prints `bench kotlin <name> <ns_per_op> <iterations>`.
// Run: bindings/kotlin/run.sh -Dsealkit.profile=release dev.sealkit.bench.BenchKt
package dev.sealkit.bench

import dev.sealkit.SealkitClient
import dev.sealkit.encrypt
import dev.sealkit.prekeyBundle
import dev.sealkit.takeBundleForSession

private const val WARMUP_NANOS = 1_000_000_000L
private const val MEASURE_NANOS = 2_000_000_000L
private const val MAX_ITERATIONS = 2_000_000L

/** Runs `op` for a warm-up, then times it for about two seconds (bounded count) and prints one line. */
private fun bench(name: String, op: () -> Unit) {
    val warmupEnd = System.nanoTime() + WARMUP_NANOS
    while (System.nanoTime() < warmupEnd) op()
    var iterations = 0L
    val start = System.nanoTime()
    var now = start
    while (now - start < MEASURE_NANOS && iterations < MAX_ITERATIONS) {
        repeat(100) { op() }
        iterations += 100
        now = System.nanoTime()
    }
    println("bench kotlin $name ${(now - start) / iterations} $iterations")
}

fun main() {
    SealkitClient.openInMemory("alice", "phone").use { alice ->
        SealkitClient.openInMemory("bob", "laptop").use { bob ->
            val bobAddress = bob.address()
            val first = alice.encrypt(bobAddress, takeBundleForSession(bob.prekeyBundle(1)).forSession, ByteArray(1))
            bob.decrypt(first)
            alice.decrypt(bob.encrypt(alice.address(), ByteArray(1)))
            val payload = ByteArray(100) { it.toByte() }
            bench("encrypt_decrypt_100b") {
                val plaintext = bob.decrypt(alice.encrypt(bobAddress, payload)).plaintext
                check(plaintext.size == 100)
            }
            bench("address") { alice.address() }
        }
    }
}

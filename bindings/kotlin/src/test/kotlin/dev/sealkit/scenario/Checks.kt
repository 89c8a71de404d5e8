// What the scenario and the interop node share: a failed check that names
// its checkpoint, and expected errors checked by their kind.
package dev.sealkit.scenario

import dev.sealkit.SealkitException

/** A check of checkpoint `at` that did not hold. */
class CheckFailed(at: String, what: String) : Exception("$at: $what")

fun check(holds: Boolean, at: String, what: String) {
    if (!holds) throw CheckFailed(at, "check failed: $what")
}

/** Runs `block`, which must fail with the SealkitException subclass `T`. */
inline fun <reified T : SealkitException> expectKind(at: String, block: () -> Unit) {
    try {
        block()
    } catch (error: SealkitException) {
        if (error is T) return
        throw CheckFailed(at, "expected ${T::class.simpleName}, got ${error::class.simpleName}")
    }
    throw CheckFailed(at, "expected ${T::class.simpleName}, got success")
}

/** Runs `body`; on any failure prints why to standard error and exits 1. */
fun runOrExit(name: String, body: () -> Unit) {
    try {
        body()
    } catch (error: Exception) {
        System.err.println("$name failed: ${error.message ?: error}")
        if (error !is CheckFailed) error.printStackTrace()
        kotlin.system.exitProcess(1)
    }
}

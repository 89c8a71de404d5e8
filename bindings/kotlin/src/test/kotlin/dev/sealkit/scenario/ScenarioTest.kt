package dev.sealkit.scenario

import java.io.File
import java.util.concurrent.TimeUnit
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

class ScenarioTest {
    /** The checkpoint names of the scenario table in bindings/SCENARIO.md, in order. */
    private fun documentedCheckpoints(): List<String> {
        val doc = File(System.getProperty("sealkit.scenarioDoc") ?: "../SCENARIO.md").readText()
        val scenario = doc.substringAfter("## The scenario").substringBefore("## The interop ring")
        return Regex("""^\| *\d+ *\| *`([a-z0-9-]+)` *\|""", RegexOption.MULTILINE)
            .findAll(scenario).map { it.groupValues[1] }.toList()
    }

    @Test
    fun `the scenario's main prints exactly the checkpoints SCENARIO_md lists`() {
        val expected = documentedCheckpoints().map { "checkpoint $it" }
        assertEquals(12, expected.size)

        // As a separate JVM, the way run.sh and the test script start it.
        val classpath = System.getProperty("sealkit.testClasspath") + File.pathSeparator +
            File(System.getProperty("sealkit.classpathFile")).readText().trim()
        val java = File(System.getProperty("java.home"), "bin/java").path
        val process = ProcessBuilder(java, "-cp", classpath, "dev.sealkit.scenario.ScenarioKt")
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start()
        val output = process.inputStream.bufferedReader().readLines()
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "the scenario did not end")
        assertEquals(0, process.exitValue(), "the scenario's exit status")
        assertEquals(expected, output)
    }
}

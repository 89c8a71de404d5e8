package dev.sealkit

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull

class NativeLibraryTest {
    @Test
    fun `the native library is found on the classpath where the jar carries it, with no system property`() {
        assertNull(System.getProperty("jna.library.path"))
        assertNull(System.getProperty("jna.boot.library.path"))
        val resource = assertNotNull(javaClass.classLoader.getResource("linux-x86-64/libsealkit_ffi.so"))
        assertEquals("file", resource.protocol)
        // The first call loads it (and checks its API checksums against the generated code).
        inMemory("alice", "phone").use { assertEquals("alice", it.address().userId) }
    }
}

package io.tollgate.api.observe;

import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.RuntimeMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.ToDoubleFunction;

/**
 * The process meters Helidon's built-in JVM meters (heap, threads, classes, GC, JVM uptime; see {@link ProcessMeters})
 * leave out: non-heap memory, CPU, file descriptors and resident memory. Their names are the ones Prometheus' own
 * client libraries use for the same figures ({@code process_cpu_seconds_total}, {@code process_open_fds},
 * {@code process_resident_memory_bytes}, ...), so existing dashboards and alerts read them as they are; they sit in
 * Helidon's {@code base} scope beside the built-in ones.
 *
 * <p>Each figure is registered only where the JVM or the OS gives it: CPU time needs HotSpot's
 * {@code com.sun.management} bean, file descriptors a Unix one, resident memory Linux's {@code /proc/self/status}. A
 * value that cannot be read at scrape time is reported as -1, as the JVM itself reports an undefined maximum.
 * Registering twice (a second gateway in the same JVM, as tests do) finds the meters already there.
 */
public final class ProcessMetrics {
    private static final Path PROC_STATUS = Path.of("/proc/self/status");

    private ProcessMetrics() {
    }

    public static void register(MeterRegistry registry) {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        nonHeap(registry, memory, "memory.used_non_heap", "Non-heap memory in use (metaspace, code cache, ...)",
                MemoryUsage::getUsed);
        nonHeap(registry, memory, "memory.committed_non_heap",
                "Non-heap memory committed by the JVM (guaranteed to be available to it)", MemoryUsage::getCommitted);
        nonHeap(registry, memory, "memory.max_non_heap", "Largest non-heap memory the JVM may use (-1: no limit)",
                MemoryUsage::getMax);

        RuntimeMXBean runtime = ManagementFactory.getRuntimeMXBean();
        registry.getOrCreate(Gauge.builder("process.start_time", runtime, r -> r.getStartTime() / 1000.0)
                                     .baseUnit("seconds")
                                     .description("Start time of the process since the Unix epoch")
                                     .scope(Meter.Scope.BASE));

        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean hotspot) {
            // whole seconds: Helidon's functional counters count in longs; rate() over minutes is still exact enough
            registry.getOrCreate(FunctionalCounter.builder("process.cpu", hotspot,
                                                           h -> Math.max(0, h.getProcessCpuTime()) / 1_000_000_000L)
                                         .baseUnit("seconds")
                                         .description("CPU time used by the process (user and system)")
                                         .scope(Meter.Scope.BASE));
            registry.getOrCreate(Gauge.builder("process.cpu.usage", hotspot,
                                               com.sun.management.OperatingSystemMXBean::getProcessCpuLoad)
                                         .description("Recent CPU use of the process, 0 to 1 of all available "
                                                              + "processors (-1: not available yet)")
                                         .scope(Meter.Scope.BASE));
        }
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            registry.getOrCreate(Gauge.builder("process.open_fds", unix,
                                               u -> (double) u.getOpenFileDescriptorCount())
                                         .description("Open file descriptors (sockets included)")
                                         .scope(Meter.Scope.BASE));
            registry.getOrCreate(Gauge.builder("process.max_fds", unix, u -> (double) u.getMaxFileDescriptorCount())
                                         .description("Most file descriptors the process may open")
                                         .scope(Meter.Scope.BASE));
        }
        if (residentBytes() >= 0) {
            registry.getOrCreate(Gauge.builder("process.resident_memory", PROC_STATUS,
                                               p -> (double) residentBytes())
                                         .baseUnit("bytes")
                                         .description("Resident memory of the process (VmRSS): heap, non-heap, "
                                                              + "thread stacks and native memory as the OS counts "
                                                              + "them")
                                         .scope(Meter.Scope.BASE));
        }
    }

    private static void nonHeap(MeterRegistry registry, MemoryMXBean memory, String name, String description,
                                ToDoubleFunction<MemoryUsage> read) {
        registry.getOrCreate(Gauge.builder(name, memory, m -> read.applyAsDouble(m.getNonHeapMemoryUsage()))
                                     .baseUnit("bytes")
                                     .description(description)
                                     .scope(Meter.Scope.BASE));
    }

    /** VmRSS from {@code /proc/self/status} in bytes, or -1 where there is no such file (not Linux). */
    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(PROC_STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring("VmRSS:".length()).strip().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024; // the kernel writes kB
                }
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}

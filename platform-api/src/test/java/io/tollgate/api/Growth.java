package io.tollgate.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.fail;

/**
 * Checks that text work grows linearly with its input, without asserting how fast the machine is: the time per call
 * at 100k characters is compared with the time at 10k (and 10k with 1k), each the minimum of several interleaved
 * samples taken after a warm-up (and measured again, up to {@link #PASSES} times, before a ratio counts), against a
 * generous bound ({@link #MAX_RATIO} for ten times the input; linear work gives about 10, quadratic about 100, cubic
 * about 1000). Every sample processes about {@link #SAMPLE_CHARS} characters in all (100
 * calls at 1k, 10 at 10k, one at 100k), so small inputs are not lost in the timer's noise.
 *
 * <p>Each sample runs on a daemon thread under a hard {@link #CEILING}, so a cubic regression fails in seconds
 * instead of hanging the build; its thread stops after the call in progress (a regex cannot be interrupted, so that
 * one call runs to its end).
 */
public final class Growth {
    /** Input sizes, in characters. */
    public static final int[] SIZES = {1_000, 10_000, 100_000};
    /** The bound on time(10n) / time(n). */
    public static final double MAX_RATIO = 40;
    /** Characters processed per sample. */
    public static final int SAMPLE_CHARS = 100_000;
    /** The longest a sample may take, whatever the ratios. */
    public static final Duration CEILING = Duration.ofSeconds(3);
    /** Below this a per-call time is timer noise: a ratio over it is not judged (times are nanoseconds). */
    private static final long NOISE_NANOS = 200_000;
    private static final int SAMPLES = 5;
    /**
     * Measurements made before growth is judged super-linear: noise from other processes differs from pass to pass,
     * a super-linear cost does not (and a sample over the ceiling fails at once).
     */
    private static final int PASSES = 3;

    private Growth() {
    }

    /**
     * Asserts that {@code work} applied to {@code input.apply(n)} grows linearly in {@code n} over {@link #SIZES}.
     *
     * @param what  names the entry point and the input, for the failure message
     * @param input builds an adversarial input of about {@code n} characters
     */
    public static <T> void assertLinear(String what, IntFunction<T> input, Consumer<T> work) {
        assertLinear(what, SIZES, input, work);
    }

    /**
     * As {@link #assertLinear(String, IntFunction, Consumer)} over {@code sizes}, each ten times the one before. Use
     * sizes below every cut the code under test makes: past a cut, a bigger input is the same work, and growth cannot
     * be judged.
     */
    public static <T> void assertLinear(String what, int[] sizes, IntFunction<T> input, Consumer<T> work) {
        for (int i = 1; i < sizes.length; i++) {
            if (sizes[i] != 10 * sizes[i - 1]) {
                throw new IllegalArgumentException("each size must be ten times the one before: " + sizes[i]);
            }
        }
        List<T> inputs = new ArrayList<>();
        for (int size : sizes) {
            inputs.add(input.apply(size));
        }
        // warm-up: one sample of each size (the JIT compiles the matcher's nodes), under the ceiling too
        for (int i = 0; i < sizes.length; i++) {
            sample(what, sizes[i], inputs.get(i), work);
        }
        String failure = null;
        for (int pass = 0; pass < PASSES; pass++) {
            failure = judge(what, sizes, measure(what, sizes, inputs, work));
            if (failure == null) {
                return;
            }
        }
        fail(failure + " (in each of " + PASSES + " passes)");
    }

    /**
     * The least time per call of each size over {@link #SAMPLES} rounds, each round sampling every size once, so that
     * a burst of load from elsewhere on the machine slows all sizes alike rather than one.
     */
    private static <T> long[] measure(String what, int[] sizes, List<T> inputs, Consumer<T> work) {
        long[] best = new long[sizes.length];
        java.util.Arrays.fill(best, Long.MAX_VALUE);
        for (int round = 0; round < SAMPLES; round++) {
            for (int i = 0; i < sizes.length; i++) {
                best[i] = Math.min(best[i], sample(what, sizes[i], inputs.get(i), work));
            }
        }
        return best;
    }

    /** Why the times do not grow linearly, or null when they do. */
    private static String judge(String what, int[] sizes, long[] perCall) {
        for (int i = 1; i < sizes.length; i++) {
            if (perCall[i] < NOISE_NANOS) {
                continue;
            }
            double ratio = (double) perCall[i] / Math.max(perCall[i - 1], 1);
            if (!(ratio < MAX_RATIO)) {
                return String.format(Locale.ROOT, "%s: %d chars took %d us a call, %d chars %d us: grows %.1f times"
                                             + " for 10 times the input (at most %.0f allowed)", what, sizes[i - 1],
                                     perCall[i - 1] / 1000, sizes[i], perCall[i] / 1000, ratio, MAX_RATIO);
            }
        }
        return null;
    }

    /** Nanoseconds per call of one sample (SAMPLE_CHARS / size calls), run under the ceiling. */
    private static <T> long sample(String what, int size, T in, Consumer<T> work) {
        int calls = Math.max(1, SAMPLE_CHARS / size);
        CompletableFuture<Long> result = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().daemon().name("growth-" + size).start(() -> {
            try {
                long t0 = System.nanoTime();
                for (int c = 0; c < calls && !result.isDone(); c++) {
                    work.accept(in);
                }
                result.complete((System.nanoTime() - t0) / calls);
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get(CEILING.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // the sample's thread stops after the call in progress (the loop checks that the result is done)
            result.cancel(false);
            t.interrupt();
            return fail("%s: %d calls at %d chars did not finish within %s", what, calls, size, CEILING);
        } catch (ExecutionException e) {
            throw new AssertionError(what + " failed at " + size + " chars", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}

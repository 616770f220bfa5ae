package io.tollgate.api.observe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** A Prometheus text exposition (format 0.0.4) by family: help, type and samples. */
public record Exposition(Map<String, Family> families) {
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    public record Family(String name, String help, String type, List<Sample> samples) {
    }

    private static final Pattern LABEL = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    public static Exposition parse(String text) {
        Map<String, String> help = new LinkedHashMap<>();
        Map<String, String> type = new LinkedHashMap<>();
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ")) {
                String[] p = line.substring(7).split(" ", 2);
                help.put(p[0], p.length > 1 ? p[1] : "");
            } else if (line.startsWith("# TYPE ")) {
                String[] p = line.substring(7).split(" ", 2);
                type.put(p[0], p[1].strip());
                samples.putIfAbsent(p[0], new ArrayList<>());
            } else if (!line.isBlank() && !line.startsWith("#")) {
                int brace = line.indexOf('{');
                int space = line.indexOf(' ');
                String name = line.substring(0, brace >= 0 && brace < space ? brace : space);
                Map<String, String> labels = new TreeMap<>();
                if (brace >= 0 && brace < space) {
                    Matcher m = LABEL.matcher(line.substring(brace, line.lastIndexOf('}')));
                    while (m.find()) {
                        labels.put(m.group(1), m.group(2));
                    }
                }
                double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                String family = familyOf(name, type);
                samples.computeIfAbsent(family, k -> new ArrayList<>()).add(new Sample(name, labels, value));
            }
        }
        Map<String, Family> families = new TreeMap<>();
        samples.forEach((name, s) -> families.put(name, new Family(name, help.get(name), type.get(name), s)));
        return new Exposition(families);
    }

    private static String familyOf(String sample, Map<String, String> types) {
        for (String suffix : List.of("_bucket", "_count", "_sum")) {
            if (sample.endsWith(suffix)) {
                String base = sample.substring(0, sample.length() - suffix.length());
                if ("histogram".equals(types.get(base))) {
                    return base;
                }
            }
        }
        return sample;
    }

    /** The sum of the samples named {@code sample} whose labels include every given pair; fails when there is none. */
    public double value(String sample, String... labels) {
        assertThat(matching(sample, labels)).as(sample + " " + String.join(",", labels) + " in the scrape")
                .isNotEmpty();
        return sum(sample, labels);
    }

    /** The same sum, 0 when no sample matches (a counter not yet counted for these labels). */
    public double sum(String sample, String... labels) {
        return matching(sample, labels).stream().mapToDouble(Sample::value).sum();
    }

    private List<Sample> matching(String sample, String... labels) {
        List<Sample> out = new ArrayList<>();
        for (Family f : families.values()) {
            for (Sample s : f.samples()) {
                if (s.name().equals(sample) && matches(s, labels)) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    /** The samples named {@code sample} by the value of one label (summed over the others). */
    public Map<String, Double> values(String sample, String label) {
        Map<String, Double> out = new TreeMap<>();
        for (Family f : families.values()) {
            for (Sample s : f.samples()) {
                if (s.name().equals(sample) && s.labels().containsKey(label)) {
                    out.merge(s.labels().get(label), s.value(), Double::sum);
                }
            }
        }
        return out;
    }

    /** Every sample name with the label names its series carry (an empty set for a series without labels). */
    public Map<String, Set<String>> labelNames() {
        Map<String, Set<String>> out = new TreeMap<>();
        for (Family f : families.values()) {
            for (Sample s : f.samples()) {
                out.computeIfAbsent(s.name(), k -> new TreeSet<>()).addAll(s.labels().keySet());
            }
        }
        return out;
    }

    private static boolean matches(Sample s, String... labels) {
        for (int i = 0; i < labels.length; i += 2) {
            if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
                return false;
            }
        }
        return true;
    }
}

package io.tollgate.api.orders;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Picks the order a support ticket is about, from the ticket's subject and the customer's message (both untrusted
 * free text, either may be null) and the orders Shopify returned for the customer's email (any order).
 *
 * <p>Rules, first that applies wins (the subject is read before the message, each from left to right):
 * <ol>
 *   <li>no customer email: {@link OrderMatch.NoEmail};</li>
 *   <li>orders whose email is set and differs from the customer's (ignoring case) are dropped, so that a loose
 *       search never leads to someone else's order; none left: {@link OrderMatch.NoOrders};</li>
 *   <li>an explicit mention ("#1002", "# 1002", "order 1002", "order #1002", "order no. 1002", "order number: 1002")
 *       of one of the customer's order numbers, or an order's full name as written by the merchant ("EU-1002"):
 *       {@link OrderMatch.How#NAMED};</li>
 *   <li>a number standing on its own that equals one of the customer's order numbers:
 *       {@link OrderMatch.How#NUMBER}. A number is not "on its own" when it touches letters, other digits or
 *       {@code $ € £ # + - . / , : % _}, when it is one group of a digit sequence separated by single spaces or
 *       hyphens (phone numbers), when a decimal part follows, or when a currency word follows (prices). Numbers
 *       that are no order number of this customer (zip codes, phone numbers, tracking numbers, dates, prices) are
 *       never matched;</li>
 *   <li>an explicit mention of at least three digits that is none of the customer's orders:
 *       {@link OrderMatch.UnknownOrder} with their most recent order as context;</li>
 *   <li>otherwise the most recent order by creation time: {@link OrderMatch.How#MOST_RECENT}.</li>
 * </ol>
 * A zip code or other bare number that happens to equal one of the customer's order numbers is taken for that
 * order; nothing in the text can tell them apart.
 *
 * <p>The text is a customer's and may be built to be slow to read (issue 15): every run of white space longer than
 * two characters is first shortened to its first and last character (which keeps every rule above: they only look at
 * whether white space is there and at the characters touching a number), then the subject is cut to
 * {@link #MAX_SUBJECT} and the message to {@link #MAX_MESSAGE} characters. The patterns use possessive quantifiers
 * and find names with bounded look-ups, so matching takes time linear in that text.
 */
public final class OrderMatcher {
    /** The most of a subject read, once white space runs are shortened (a mail subject line is under 1,000). */
    static final int MAX_SUBJECT = 2_000;
    /** The most of a message read, once white space runs are shortened. */
    static final int MAX_MESSAGE = 20_000;
    /** The most of the raw text looked at before shortening white space: ten times what is read. */
    private static final int MAX_RAW = 10 * MAX_MESSAGE;
    /** Order names longer than this are not looked for in the text (no customer types them; bounds the search). */
    static final int MAX_NAME = 100;
    private static final int MIN_UNKNOWN_DIGITS = 3;

    /*
     * Every white space quantifier is possessive: the tokens after each are never white space, so giving back blanks
     * can never help a match, and "order" followed by thousands of blanks and no digit is read once, not in cubic time.
     */
    private static final Pattern EXPLICIT = Pattern.compile(
            "(?:#|\\borders?\\b(?:\\s*+(?:number|num|no|nr|id)\\b\\.?)?\\s*+[:#]?\\s*+#?)\\s*+(\\d{1,18})"
                    + "(?![\\p{L}\\p{N}_]|[.,]\\d)",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);

    private static final Pattern BARE = Pattern.compile(
            "(?<![\\p{L}\\p{N}$€£¥#+\\-./,:_])(?<!\\p{N}[ \\-])(\\d{1,18})"
                    + "(?![\\p{L}\\p{N}\\-/_%€$£]|[.,:]\\p{N}|[ \\-]\\p{N}"
                    + "|\\s?(?:usd|eur|gbp|cad|aud|chf|sek|nok|dkk|dollars?|euros?|pounds?)\\b)",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);

    public OrderMatcher() {
    }

    public OrderMatch match(String customerEmail, String subject, String message, List<OrderFacts> orders) {
        return matchText(customerEmail, clip(subject, MAX_SUBJECT) + "\n" + clip(message, MAX_MESSAGE), orders);
    }

    /**
     * The rules above applied to {@code text} as it is (not shortened or cut): what {@link #match} does once it has
     * clipped the subject and the message. The patterns read it through {@link Interruptible}, so a run whose thread
     * is interrupted (given up at its deadline) stops here instead of reading on.
     */
    static OrderMatch matchText(String customerEmail, String text, List<OrderFacts> orders) {
        // the explicit mentions are read once and serve both the mentioned number and the named order
        List<Explicit> explicit = explicitMentions(text);
        String mentioned = explicit.stream().map(Explicit::number).filter(n -> n > 0)
                .filter(n -> digits(n) >= MIN_UNKNOWN_DIGITS).findFirst()
                .map(n -> "#" + n).orElse(null);
        if (customerEmail == null || customerEmail.isBlank()) {
            return new OrderMatch.NoEmail(mentioned);
        }
        String email = customerEmail.strip();
        List<OrderFacts> mine = (orders == null ? List.<OrderFacts>of() : orders).stream()
                .filter(Objects::nonNull)
                .filter(o -> o.email() == null || o.email().equalsIgnoreCase(email))
                .toList();
        if (mine.isEmpty()) {
            return new OrderMatch.NoOrders(email, mentioned);
        }
        Optional<OrderFacts> named = named(text, explicit, mine);
        if (named.isPresent()) {
            return new OrderMatch.Matched(named.get(), OrderMatch.How.NAMED);
        }
        Matcher bare = BARE.matcher(new Interruptible(text));
        while (bare.find()) {
            Optional<OrderFacts> byNumber = byNumber(mine, bare.group(1));
            if (byNumber.isPresent()) {
                return new OrderMatch.Matched(byNumber.get(), OrderMatch.How.NUMBER);
            }
        }
        OrderFacts mostRecent = mine.stream().max(RECENCY).orElseThrow();
        if (mentioned != null) {
            return new OrderMatch.UnknownOrder(mentioned, mostRecent);
        }
        return new OrderMatch.Matched(mostRecent, OrderMatch.How.MOST_RECENT);
    }

    /** Newer creation time wins; an order without one counts as oldest; then the higher number. */
    static final Comparator<OrderFacts> RECENCY = Comparator
            .comparing(OrderFacts::createdAt, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparingLong(OrderFacts::number);

    private static Optional<OrderFacts> named(String text, List<Explicit> explicit, List<OrderFacts> orders) {
        int bestAt = Integer.MAX_VALUE;
        OrderFacts best = null;
        for (Explicit mention : explicit) {
            if (mention.start() >= bestAt) {
                break;
            }
            Optional<OrderFacts> order = byNumber(orders, mention.digits());
            if (order.isPresent()) {
                bestAt = mention.start();
                best = order.get();
            }
        }
        String lower = text.toLowerCase(Locale.ROOT);
        for (OrderFacts order : orders) {
            if (order.name() == null || order.name().length() > MAX_NAME
                    || order.name().chars().noneMatch(Character::isLetterOrDigit)) {
                continue;
            }
            int at = nameAt(lower, shortenBlanks(order.name()).toLowerCase(Locale.ROOT));
            if (at >= 0 && at < bestAt) {
                bestAt = at;
                best = order;
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * Where the name occurs in the text, not glued to further letters or digits on either side; -1 if nowhere. Each
     * look-up costs at most the name's length ({@link #MAX_NAME}) per position, so this is linear in the text.
     */
    private static int nameAt(String text, String name) {
        for (int at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("the run was given up while its customer text was read");
            }
            int end = at + name.length();
            boolean startOk = at == 0 || !Character.isLetterOrDigit(text.charAt(at - 1))
                    || !Character.isLetterOrDigit(name.charAt(0));
            boolean endOk = end == text.length() || !Character.isLetterOrDigit(text.charAt(end))
                    || !Character.isLetterOrDigit(name.charAt(name.length() - 1));
            if (startOk && endOk) {
                return at;
            }
        }
        return -1;
    }

    private static Optional<OrderFacts> byNumber(List<OrderFacts> orders, String digits) {
        long number = parse(digits);
        if (number <= 0) {
            return Optional.empty();
        }
        return orders.stream().filter(o -> o.number() == number).findFirst();
    }

    /** An explicit mention of an order number ({@link #EXPLICIT}): where it starts, its digits, their value (or 0). */
    private record Explicit(int start, String digits, long number) {
    }

    /** Every match of {@link #EXPLICIT} in the text, in order (one pass). */
    private static List<Explicit> explicitMentions(String text) {
        List<Explicit> out = new ArrayList<>();
        Matcher m = EXPLICIT.matcher(new Interruptible(text));
        while (m.find()) {
            out.add(new Explicit(m.start(), m.group(1), parse(m.group(1))));
        }
        return out;
    }

    private static long parse(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static int digits(long n) {
        return Long.toString(n).length();
    }

    /** The text with white space runs shortened ({@link #shortenBlanks}), cut to {@code max} characters. */
    private static String clip(String text, int max) {
        if (text == null) {
            return "";
        }
        return cut(shortenBlanks(cut(text, MAX_RAW)), max);
    }

    /**
     * Every run of more than two white space characters replaced by its first and last character: what the patterns
     * look at (is there white space; which character touches a number) is unchanged, and a flood of blanks costs
     * nothing later.
     */
    static String shortenBlanks(String text) {
        StringBuilder out = null;
        int n = text.length();
        int i = 0;
        while (i < n) {
            if (!Character.isWhitespace(text.charAt(i))) {
                if (out != null) {
                    out.append(text.charAt(i));
                }
                i++;
                continue;
            }
            int end = i + 1;
            while (end < n && Character.isWhitespace(text.charAt(end))) {
                end++;
            }
            if (end - i > 2) {
                if (out == null) {
                    out = new StringBuilder(n).append(text, 0, i);
                }
                out.append(text.charAt(i)).append(text.charAt(end - 1));
            } else if (out != null) {
                out.append(text, i, end);
            }
            i = end;
        }
        return out == null ? text : out.toString();
    }

    /**
     * Text for the patterns that stops being read once the reading thread is interrupted (a regex engine never looks
     * at the interrupt itself): each character read checks it, which costs a field read. Throws
     * {@link CancellationException}.
     */
    static final class Interruptible implements CharSequence {
        private final CharSequence text;

        Interruptible(CharSequence text) {
            this.text = text;
        }

        @Override
        public char charAt(int index) {
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("the run was given up while its customer text was read");
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new Interruptible(text.subSequence(start, end));
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }

    /** The first {@code max} characters, not splitting a surrogate pair. */
    private static String cut(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
        return text.substring(0, end);
    }
}

package io.tollgate.api.consoleui;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.tollgate.api.TestGateway;
import io.tollgate.api.TestServers;
import io.tollgate.api.Webhooks;
import io.tollgate.api.events.JobOutcome;
import io.tollgate.api.events.JobQueue;
import io.tollgate.tenant.db.Database;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console in a real browser (Debian's headless chromium, driven through its chromedriver) against a gateway
 * started as in production on real PostgreSQL: an operator's day, in order, in one browser. Skipped, with the reason,
 * where {@code /usr/bin/chromedriver} is missing ({@link BrowserTools}; {@code .ci/run} installs it). A screenshot of
 * each main page is written under {@code target/console-screenshots/}. Each main page is also checked for WCAG 2.x
 * AA by a script run in it ({@code consoleui/a11y-check.js}): the contrast of every text, a label on every field, and
 * a visible focus indicator on everything the Tab key reaches; and one walk is made with the keyboard only.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    private static final String SLUG = "console-shop";
    private static final String SHOPIFY_SECRET = "console-shopify-secret-0123456789";

    /** Tenants the paging, suspend and delete tests add (slug order: before {@link #SLUG}). */
    private static final List<String> MORE = List.of("console-a1", "console-a2", "console-a3");
    /** A tenant whose Gorgias and Shopify are a stub that refuses every credential. */
    private static final String LINKED = "console-linked";

    // base URL overrides (http, a local stub) for the connect test
    @RegisterExtension
    static final TestGateway GATEWAY = TestGateway.withSettings("TOLLGATE_ALLOW_UPSTREAM_OVERRIDE", "true");

    private static WebDriver driver;
    private static WebDriverWait wait;
    private static String console;
    private static String a11yCheck;
    private static WireMockServer upstream;

    @BeforeAll
    static void browser() throws IOException {
        BrowserTools tools = BrowserTools.fromEnvironment();
        if (tools.missing().isPresent()) {
            // each test is then skipped with the reason (beforeEach): an abort here would hide them from the counts
            System.err.println(tools.missing().get());
            return;
        }
        // the system's driver, never one Selenium Manager would download
        System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, tools.driver().toString());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(tools.driver().toFile())
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(tools.browser().toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--window-size=1366,900", "--disable-extensions", "--no-first-run");
        driver = new ChromeDriver(service, options);
        wait = new WebDriverWait(driver, Duration.ofSeconds(15));
        console = "http://127.0.0.1:" + GATEWAY.server().adminPort() + "/console/";
        Files.createDirectories(SCREENSHOTS);
        try (InputStream in = ConsoleBrowserTest.class.getResourceAsStream("/consoleui/a11y-check.js")) {
            a11yCheck = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        upstream = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
        upstream.start();
        upstream.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json").withBody("{\"error\": \"unauthorized\"}")));
    }

    /** Skips each test, saying why, where the browser is missing (surefire counts and reports them as skipped). */
    @BeforeEach
    void needsTheBrowser() {
        BrowserTools.fromEnvironment().assumeAvailable();
    }

    @AfterAll
    static void quit() {
        if (driver != null) {
            driver.quit();
        }
        if (upstream != null) {
            upstream.stop();
        }
    }

    @Test
    @Order(1)
    void signsInWithAnOperatorTokenAfterARefusedOne() throws IOException {
        driver.get(console);
        WebElement input = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
        assertThat(driver.findElement(By.cssSelector("label[for=token]")).getText()).isEqualTo("Operator token");
        input.sendKeys("not-a-token");
        driver.findElement(By.id("sign-in-button")).click();
        wait.until(ExpectedConditions.textToBe(By.id("sign-in-message"), "That token was refused (401)."));
        assertContrastAndLabels("sign-in with an error");
        screenshot("sign-in");

        signIn("Needs attention");
        assertThat(driver.getCurrentUrl()).endsWith("#/attention").doesNotContain(TestServers.ADMIN_TOKEN);
        assertThat(script("return document.cookie")).isEqualTo("");
        assertThat(script("return window.localStorage.length")).isEqualTo(0L);
        screenshot("attention");

        // keyboard: the first Tab reaches the skip link, which moves focus to the content and keeps the route
        go("#/attention");
        wait.until(ExpectedConditions.textToBe(By.tagName("h1"), "Needs attention"));
        new Actions(driver).sendKeys(Keys.TAB).perform();
        assertThat(driver.switchTo().activeElement().getText()).isEqualTo("Skip to content");
        new Actions(driver).sendKeys(Keys.ENTER).perform();
        assertThat(driver.switchTo().activeElement().getDomAttribute("id")).isEqualTo("main");
        assertThat(driver.getCurrentUrl()).endsWith("#/attention");
    }

    @Test
    @Order(2)
    void onboardsATenantAndShowsItsGorgiasSecretOnce() throws IOException {
        driver.findElement(By.linkText("Onboard")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("new-slug"))).sendKeys(SLUG);
        type("new-name", "Console Shop");
        type("new-gd", "consoleshop");
        type("new-gu", "agent@console-shop.example");
        type("new-gk", "gk-console-0123456789");
        type("new-sd", SLUG + ".myshopify.com");
        type("new-st", "shpat_console_0123456789");
        type("new-ss", SHOPIFY_SECRET);
        driver.findElement(By.id("onboard")).click();
        wait.until(ExpectedConditions.textToBe(By.id("onboarded"), "Onboarded " + SLUG + "."));
        String secret = driver.findElement(By.id("secret-value")).getText();
        assertThat(secret).hasSizeGreaterThan(20);
        // hidden on request, before leaving the page (the picture holds no secret)
        driver.findElement(By.id("secret-done")).click();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("secret-value")));
        assertThat(driver.getPageSource()).doesNotContain(secret);
        screenshot("onboarded");

        driver.findElement(By.linkText("Open " + SLUG)).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("limits-form")));
        assertThat(driver.getPageSource()).doesNotContain(secret);
    }

    @Test
    @Order(3)
    void showsASignedDeliveryAndItsDetail() throws IOException {
        byte[] body = Webhooks.utf8("{\"id\": 820982911946154508, \"email\": \"jon@example.com\", \"name\": \"#1001\"}");
        Webhooks.TestTenant tenant = new Webhooks.TestTenant(SLUG, SLUG + ".myshopify.com", SHOPIFY_SECRET, null);
        assertThat(Webhooks.shopify(GATEWAY.server(), tenant, body, "orders/create", "evt-console-1").statusCode())
                .isEqualTo(202);

        go("#/tenants/" + SLUG + "/events");
        WebElement row = wait.until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#events-table tbody tr")));
        assertThat(row.getText()).contains("shopify").contains("orders/create").contains("accepted");
        screenshot("events");

        row.findElement(By.tagName("a")).click();
        WebElement pre = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("event-body")));
        // pretty-printed: one field a line
        assertThat(pre.getText()).contains("\"email\": \"jon@example.com\"").contains("\n");
        assertThat(driver.findElement(By.id("event-headers")).getText()).containsIgnoringCase("X-Shopify-Topic");
        assertThat(driver.getPageSource()).doesNotContain(Webhooks.shopifyHmac(SHOPIFY_SECRET, body));
        screenshot("event");
    }

    @Test
    @Order(4)
    void replaysADeadEvent() throws Exception {
        UUID dead = insertDead("gorgias", "ticket-message-created");
        go("#/tenants/" + SLUG + "/events/" + dead);
        wait.until(ExpectedConditions.elementToBeClickable(By.id("replay"))).click();
        wait.until(ExpectedConditions.textToBe(By.id("event-result"), "Queued again."));
        assertThat(status(dead)).isEqualTo("accepted|queued");
    }

    @Test
    @Order(5)
    void discardsExactlyTheCountedDeadEventsOfAFilter() throws Exception {
        for (int i = 0; i < 3; i++) {
            insertDead("shopify", "orders/updated");
        }
        UUID other = insertDead("shopify", "customers/update");
        go("#/tenants/" + SLUG + "/events");
        new Select(wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("ev-provider"))))
                .selectByValue("shopify");
        type("ev-topic", "orders/updated");
        new Select(driver.findElement(By.id("ev-status"))).selectByValue("dead");
        driver.findElement(By.id("filter-events")).click();
        wait.until(ExpectedConditions.urlContains("topic=orders%2Fupdated"));
        // (the list's provider and topic filters are the events API's; the count below is what the bulk acts on)
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("events-table"), "orders/updated"));

        wait.until(ExpectedConditions.elementToBeClickable(By.id("bulk-count"))).click();
        wait.until(ExpectedConditions.textToBe(By.id("bulk-counted"), "3"));
        driver.findElement(By.id("bulk-discard")).click();
        wait.until(ExpectedConditions.elementToBeClickable(By.id("bulk-confirm"))).click();
        wait.until(ExpectedConditions.textToBe(By.id("bulk-done"), "Discarded 3 of the 3 events counted."));
        assertThat(count("discarded")).isEqualTo(3);
        assertThat(status(other)).isEqualTo("dead|dead");
    }

    @Test
    @Order(5)
    void replaysExactlyTheCountedDeadEventsAndShowsTheirProgressUntilDone() throws Exception {
        List<UUID> counted = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            counted.add(insertDead("shopify", "orders/paid"));
        }
        go("#/tenants/" + SLUG + "/events?provider=shopify&topic=orders%2Fpaid&status=dead");
        wait.until(ExpectedConditions.elementToBeClickable(By.id("bulk-count"))).click();
        wait.until(ExpectedConditions.textToBe(By.id("bulk-counted"), "3"));
        UUID late = insertDead("shopify", "orders/paid");
        driver.findElement(By.id("bulk-replay")).click();
        wait.until(ExpectedConditions.elementToBeClickable(By.id("bulk-confirm"))).click();
        wait.until(ExpectedConditions.textToBe(By.id("bulk-done"), "Queued again 3 of the 3 events counted."));
        assertThat(status(late)).as("dead after the count: not replayed").isEqualTo("dead|dead");
        // the gateway's worker is off here: nothing moves until the queue is driven below
        WebElement panel = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("bulk-progress")));
        wait.until(ExpectedConditions.attributeToBe(panel, "data-waiting", "3"));
        assertThat(panel.getAttribute("data-done")).isEqualTo("false");
        assertThat(driver.findElement(By.cssSelector("label[for=bulk-progress-bar]")).getText())
                .isEqualTo("Progress of the replay of 3 events");
        assertThat(driver.findElement(By.id("bulk-progress-text")).getAttribute("aria-live")).isEqualTo("polite");

        // as the worker would: the batch's jobs run, two are processed and one is dead; any other job goes back
        try (Database database = GATEWAY.db().open()) {
            JobQueue queue = new JobQueue(database);
            int ended = 0;
            for (JobQueue.Job job : queue.claim(100, Duration.ofMinutes(5), 100)) {
                if (!counted.contains(job.eventId().value())) {
                    assertThat(queue.release(job, "not this test's")).isTrue();
                } else {
                    assertThat(queue.complete(job, ended++ < 2 ? new JobOutcome.Done()
                            : new JobOutcome.Dead("Shopify answered 401"))).isTrue();
                }
            }
            assertThat(ended).isEqualTo(3);
        }
        wait.until(ExpectedConditions.attributeToBe(panel, "data-done", "true"));
        assertThat(driver.findElement(By.id("bulk-progress-text")).getText())
                .isEqualTo("Done: 3 of 3 replayed events ended: 2 processed, 1 dead, 0 waiting, 0 running.");
        WebElement bar = driver.findElement(By.id("bulk-progress-bar"));
        assertThat(bar.getAttribute("value")).isEqualTo("3");
        assertThat(bar.getAttribute("max")).isEqualTo("3");
        List<String> ended = new ArrayList<>();
        try (Connection c = GATEWAY.db().connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT status FROM webhook_events WHERE id = ANY (?) ORDER BY status")) {
            ps.setArray(1, c.createArrayOf("uuid", counted.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ended.add(rs.getString(1));
                }
            }
        }
        assertThat(ended).as("what the page shows").containsExactly("dead", "processed", "processed");
        assertContrastAndLabels("events after a bulk replay");
    }

    @Test
    @Order(6)
    void rotatesTheGorgiasSecretShowingItOnceAndLeavingNoneInThePage() throws IOException {
        go("#/tenants/" + SLUG);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("limits-form")));
        // the whole tenant page, chart included, in one picture (docs/console.png is one of these)
        driver.manage().window().setSize(new Dimension(1366, 1500));
        screenshot("tenant-overview");
        driver.manage().window().setSize(new Dimension(1366, 900));
        wait.until(ExpectedConditions.elementToBeClickable(By.id("rotate"))).click();
        String secret = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("secret-value"))).getText();
        assertThat(secret).hasSizeGreaterThan(20);
        assertThat(driver.findElement(By.id("secret-copy")).getText()).isEqualTo("Copy");
        assertContrastAndLabels("tenant with a new secret shown");

        go("#/tenants");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("form[role=search]")));
        assertThat(driver.getPageSource()).doesNotContain(secret);
        assertThat(script("return document.documentElement.outerHTML + JSON.stringify(sessionStorage)"))
                .asString().doesNotContain(secret);
        screenshot("tenants");
        go("#/tenants/" + SLUG);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("limits-form")));
        assertThat(driver.getPageSource()).doesNotContain(secret);
        assertThat(driver.findElements(By.id("secret-value"))).isEmpty();
    }

    @Test
    @Order(7)
    void showsALimitsValidationErrorByItsField() throws IOException {
        go("#/tenants/" + SLUG);
        WebElement rate = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("limit-rate_per_minute")));
        rate.clear();
        rate.sendKeys("0");
        driver.findElement(By.id("save-limits")).click();
        WebElement error = driver.findElement(By.id("limit-rate_per_minute-error"));
        wait.until(d -> !error.getText().isBlank());
        assertThat(rate.getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(driver.findElement(By.id("limit-burst-error")).getText()).isEmpty();
        assertContrastAndLabels("tenant with a limit's error");
        screenshot("tenant");

        go("#/audit");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("audit-table")));
        assertThat(driver.findElement(By.id("audit-table")).getText()).contains("tenant.create");
        screenshot("audit");
    }

    @Test
    @Order(8)
    void pagesForwardAndBackToExactlyThePagesSeen() throws Exception {
        for (String slug : MORE) {
            createTenant(slug, null);
        }
        // tenants, two a page: console-a1 console-a2 | console-a3 console-shop
        go("#/tenants?q=console-&limit=2");
        waitForPage("tenants-table", 1);
        List<String> first = rowTexts("tenants-table");
        assertThat(first).hasSize(2);
        assertThat(first.get(0)).startsWith("console-a1");
        assertThat(first.get(1)).startsWith("console-a2");
        assertThat(driver.findElements(By.id("page-previous"))).isEmpty();
        driver.findElement(By.id("page-next")).click();
        waitForPage("tenants-table", 2);
        List<String> second = rowTexts("tenants-table");
        assertThat(second).hasSize(2);
        assertThat(second.get(0)).startsWith("console-a3");
        assertThat(second.get(1)).startsWith(SLUG);
        assertThat(driver.findElements(By.id("page-next"))).isEmpty();
        screenshot("tenants-page-2");
        driver.findElement(By.id("page-previous")).sendKeys(Keys.ENTER);
        waitForPage("tenants-table", 1);
        assertThat(rowTexts("tenants-table")).isEqualTo(first);
        assertThat(driver.getCurrentUrl()).doesNotContain("cursor=").contains("q=console-").contains("limit=2");

        // events, two a page, three pages: forward to the last, then back one page at a time
        go("#/tenants/" + SLUG + "/events?limit=2");
        waitForPage("events-table", 1);
        List<String> page1 = eventIds();
        driver.findElement(By.id("page-next")).click();
        waitForPage("events-table", 2);
        List<String> page2 = eventIds();
        driver.findElement(By.id("page-next")).sendKeys(Keys.ENTER);
        waitForPage("events-table", 3);
        List<String> page3 = eventIds();
        assertThat(page1).hasSize(2);
        assertThat(page2).hasSize(2).doesNotContainAnyElementsOf(page1);
        assertThat(page3).isNotEmpty().doesNotContainAnyElementsOf(page1).doesNotContainAnyElementsOf(page2);
        assertThat(driver.findElement(By.id("page-first")).getText()).isEqualTo("First page");
        driver.findElement(By.id("page-previous")).sendKeys(Keys.ENTER);
        waitForPage("events-table", 2);
        assertThat(eventIds()).isEqualTo(page2);
        driver.findElement(By.id("page-previous")).click();
        waitForPage("events-table", 1);
        assertThat(eventIds()).isEqualTo(page1);
        assertThat(driver.findElements(By.id("page-previous"))).isEmpty();
        assertThat(driver.findElements(By.id("page-first"))).isEmpty();

        // the audit log, two a page
        go("#/audit?limit=2");
        waitForPage("audit-table", 1);
        List<String> audit1 = rowTexts("audit-table");
        driver.findElement(By.id("page-next")).click();
        waitForPage("audit-table", 2);
        List<String> audit2 = rowTexts("audit-table");
        assertThat(audit1).hasSize(2);
        assertThat(audit2).hasSize(2).doesNotContainAnyElementsOf(audit1);
        driver.findElement(By.id("page-previous")).sendKeys(Keys.ENTER);
        waitForPage("audit-table", 1);
        assertThat(rowTexts("audit-table")).isEqualTo(audit1);
    }

    @Test
    @Order(9)
    void suspendsAndResumesATenant() throws Exception {
        String slug = MORE.get(2);
        go("#/tenants/" + slug);
        WebElement toggle = wait.until(ExpectedConditions.elementToBeClickable(By.id("suspend-toggle")));
        assertThat(toggle.getText()).isEqualTo("Suspend");
        toggle.click();
        wait.until(ExpectedConditions.textToBe(By.id("status"), "Suspended " + slug + "."));
        wait.until(ExpectedConditions.textToBe(By.id("suspend-toggle"), "Resume"));
        assertThat(tenantColumn(slug, "status")).isEqualTo("suspended");

        driver.findElement(By.id("suspend-toggle")).click();
        wait.until(ExpectedConditions.textToBe(By.id("status"), "Resumed " + slug + "."));
        wait.until(ExpectedConditions.textToBe(By.id("suspend-toggle"), "Suspend"));
        assertThat(tenantColumn(slug, "status")).isEqualTo("active");
    }

    @Test
    @Order(10)
    void draftOnlyModeAndADraftedNoteInTheEventsDetail() throws Exception {
        go("#/tenants/" + SLUG);
        WebElement check = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("draft-only")));
        assertThat(check.isSelected()).isFalse();
        check.click();
        driver.findElement(By.id("save-draft-only")).click();
        wait.until(ExpectedConditions.textToBe(By.id("draft-only-result"),
                                               "Draft-only: notes are drafted, not posted."));
        assertThat(tenantColumn(SLUG, "draft_only")).isEqualTo("true");

        UUID event = insertDead("gorgias", "ticket-message-created");
        insertDraftedNote(event, "Order #1001 was fulfilled on 2026-12-01 (drafted for review).");
        go("#/tenants/" + SLUG + "/events/" + event);
        WebElement note = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("event-note")));
        assertThat(note.findElement(By.tagName("h2")).getText())
                .isEqualTo("Note drafted, not posted (draft-only mode)");
        assertThat(note.getText()).contains("drafted").contains("template");
        assertThat(driver.findElement(By.id("note-body")).getText())
                .isEqualTo("Order #1001 was fulfilled on 2026-12-01 (drafted for review).");
        assertContrastAndLabels("event with a drafted note");
        screenshot("event-drafted-note");

        go("#/tenants/" + SLUG);
        wait.until(ExpectedConditions.elementToBeSelected(By.id("draft-only")));
        driver.findElement(By.id("draft-only")).click();
        driver.findElement(By.id("save-draft-only")).click();
        wait.until(ExpectedConditions.textToBe(By.id("draft-only-result"), "Notes are posted."));
        assertThat(tenantColumn(SLUG, "draft_only")).isEqualTo("false");
    }

    @Test
    @Order(11)
    void connectShowsEachStepsResult() throws IOException {
        createTenant(LINKED, "http://127.0.0.1:" + upstream.port());
        go("#/tenants/" + LINKED);
        wait.until(ExpectedConditions.elementToBeClickable(By.id("connect"))).click();
        WebElement result = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("connect-result")));
        // both upstreams refuse the credentials: each step that ran is listed with its result and upstream status
        List<WebElement> steps = result.findElements(By.cssSelector("tbody tr"));
        assertThat(steps).hasSizeGreaterThanOrEqualTo(2);
        assertThat(result.getText()).contains("verify_credentials").contains("verify_token").contains("failed")
                .contains("401");
        assertContrastAndLabels("tenant with a connect's result");
        screenshot("connect");
    }

    @Test
    @Order(12)
    void deletesATenantOnlyOnceItsSlugIsTyped() throws Exception {
        String slug = MORE.get(2);
        go("#/tenants/" + slug);
        WebElement delete = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("delete")));
        assertThat(delete.isEnabled()).isFalse();
        type("delete-confirm", slug.substring(0, slug.length() - 1));
        assertThat(delete.isEnabled()).isFalse();
        type("delete-confirm", slug);
        wait.until(ExpectedConditions.elementToBeClickable(delete)).click();
        wait.until(ExpectedConditions.textToBe(By.id("status"), "Deleted " + slug + " and every row it had."));
        wait.until(ExpectedConditions.urlToBe(console + "#/tenants"));
        try (Connection c = GATEWAY.db().connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM tenants WHERE slug = ?")) {
            ps.setString(1, slug);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).isZero();
            }
        }
    }

    @Test
    @Order(13)
    void everyMainPageMeetsContrastAaHasLabelsAndShowsWhereTheFocusIs() throws IOException {
        go("#/tenants/" + SLUG + "/events");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("events-table")));
        String event = eventIds().getFirst();
        String[][] pages = {
            {"attention", "#/attention", "section.card"},
            {"tenants", "#/tenants", "#tenants-table"},
            {"tenant", "#/tenants/" + SLUG, "#stats-chart"},
            {"events", "#/tenants/" + SLUG + "/events", "#events-table"},
            {"event", "#/tenants/" + SLUG + "/events/" + event, "#event-body"},
            {"audit", "#/audit", "#audit-table"},
            {"onboard", "#/new-tenant", "#new-slug"},
        };
        for (String[] page : pages) {
            go(page[1]);
            // a fresh load: the Tab key starts from the top of the page
            driver.navigate().refresh();
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(page[2])));
            assertContrastAndLabels(page[0]);
            assertFocusVisibleAlongTheTabOrder(page[0]);
        }
    }
    @Test
    @Order(14)
    void showsTheTenantsPrivacyErasures() throws Exception {
        try (Connection c = GATEWAY.db().connect(); PreparedStatement ps = c.prepareStatement("""
                INSERT INTO privacy_erasures (id, tenant_id, event_id, topic, erased_rows, gorgias_notes)
                SELECT gen_random_uuid(), id, gen_random_uuid(), 'customers/redact',
                       '{"webhook_events": 3, "notes": 1, "customers": 1}'::jsonb,
                       '[{"ticket_id": 4242, "message_id": 777}]'::jsonb
                FROM tenants WHERE slug = ?""")) {
            ps.setString(1, SLUG);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        go("#/tenants/" + SLUG);
        WebElement erasure = wait.until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#erasures-list li")));
        assertThat(erasure.getText()).contains("customers/redact: 5 rows erased")
                .contains("webhook_events 3").contains("notes 1").contains("customers 1")
                .contains("ticket 4242 message 777");
        assertContrastAndLabels("tenant with an erasure");
    }

    @Test
    @Order(20)
    void aRefusedTokenSendsBackToSignInWithAReasonAndSignOutForgetsTheToken() {
        go("#/audit");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("audit-table")));
        script("sessionStorage.setItem('tollgate.console.token', 'revoked-token')");
        driver.navigate().refresh();
        WebElement message = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("sign-in-message")));
        assertThat(message.getText()).contains("refused (401)");

        signIn("Audit log");
        wait.until(ExpectedConditions.elementToBeClickable(By.id("sign-out"))).click();
        wait.until(ExpectedConditions.textToBe(By.id("sign-in-message"), "Signed out."));
        assertThat(script("return sessionStorage.getItem('tollgate.console.token')")).isNull();
        driver.navigate().refresh();
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token"))).isDisplayed()).isTrue();
        assertThat(driver.findElement(By.id("nav")).isDisplayed()).isFalse();
    }

    @Test
    @Order(21)
    void signsInAndOpensAnEventWithTheKeyboardOnly() {
        go("#/attention");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
        wait.until(d -> "token".equals(d.switchTo().activeElement().getDomAttribute("id")));
        new Actions(driver).sendKeys(TestServers.ADMIN_TOKEN).sendKeys(Keys.ENTER).perform();
        wait.until(ExpectedConditions.textToBe(By.tagName("h1"), "Needs attention"));

        // from the content back to the main navigation
        keyTo(true, e -> "Tenants".equals(e.getText()), "the Tenants link");
        new Actions(driver).sendKeys(Keys.ENTER).perform();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("tenants-table")));
        keyTo(false, e -> SLUG.equals(e.getText()), "the link to " + SLUG);
        new Actions(driver).sendKeys(Keys.ENTER).perform();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("limits-form")));
        keyTo(false, e -> "Events".equals(e.getText()), "the link to the tenant's events");
        new Actions(driver).sendKeys(Keys.ENTER).perform();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("events-table")));
        keyTo(false, e -> String.valueOf(e.getDomAttribute("aria-label")).startsWith("Event "), "an event's link");
        new Actions(driver).sendKeys(Keys.ENTER).perform();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("event-body")));
        assertThat(driver.getCurrentUrl()).contains("#/tenants/" + SLUG + "/events/");
    }

    /** Signs in with the bootstrap token and waits for the page it was on ({@code heading}). */
    private static void signIn(String heading) {
        WebElement input = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
        input.clear();
        input.sendKeys(TestServers.ADMIN_TOKEN);
        driver.findElement(By.id("sign-in-button")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("sign-out")));
        wait.until(ExpectedConditions.textToBe(By.tagName("h1"), heading));
    }

    /** Runs the page's WCAG checks of text contrast and field labels (consoleui/a11y-check.js). */
    private static void assertContrastAndLabels(String page) {
        Map<String, Object> contrast = check("contrast");
        assertThat((List<?>) contrast.get("failures")).as("text contrast on " + page).isEmpty();
        assertThat((Long) contrast.get("checked")).as("texts checked on " + page).isGreaterThan(3L);
        Map<String, Object> labels = check("labels");
        assertThat((List<?>) labels.get("failures")).as("field labels on " + page).isEmpty();
    }

    /**
     * Presses Tab from the top of the page through everything it reaches (until the focus leaves the page or comes
     * back to the first element), and checks each focused element's focus indicator.
     */
    private static void assertFocusVisibleAlongTheTabOrder(String page) {
        List<String> reached = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            new Actions(driver).sendKeys(Keys.TAB).perform();
            Map<String, Object> focus = check("focus");
            if (focus == null) {
                break;
            }
            String element = (String) focus.get("element");
            if (!reached.isEmpty() && element.equals(reached.getFirst())) {
                break;
            }
            reached.add(element);
            if (focus.get("failure") != null) {
                failures.add(element + ": " + focus.get("failure"));
            }
        }
        assertThat(reached).as("what the Tab key reached on " + page).hasSizeGreaterThan(5);
        assertThat(reached.getFirst()).as("the first Tab stop on " + page).contains("Skip to content");
        assertThat(failures).as("focus indicators on " + page + " (Tab reached " + reached + ")").isEmpty();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> check(String which) {
        return (Map<String, Object>) ((JavascriptExecutor) driver).executeScript(a11yCheck, which);
    }

    /** Presses Tab (or Shift+Tab) until {@code target} has the focus. */
    private static void keyTo(boolean backwards, java.util.function.Predicate<WebElement> target, String what) {
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            Actions keys = new Actions(driver);
            (backwards ? keys.keyDown(Keys.SHIFT).sendKeys(Keys.TAB).keyUp(Keys.SHIFT) : keys.sendKeys(Keys.TAB))
                    .perform();
            WebElement active = driver.switchTo().activeElement();
            if (target.test(active)) {
                return;
            }
            seen.add(active.getTagName() + " \"" + active.getText() + "\"");
        }
        throw new AssertionError("the keyboard never reached " + what + "; it reached " + seen);
    }

    /** Waits until the list {@code tableId} shows and says it is page {@code number}. */
    private static void waitForPage(String tableId, int number) {
        wait.until(d -> {
            try {
                return !d.findElements(By.id(tableId)).isEmpty()
                        && ("Page " + number).equals(d.findElement(By.id("page-number")).getText());
            } catch (org.openqa.selenium.NoSuchElementException | org.openqa.selenium.StaleElementReferenceException e) {
                return false;
            }
        });
    }

    private static List<String> rowTexts(String tableId) {
        return driver.findElements(By.cssSelector("#" + tableId + " tbody tr")).stream().map(WebElement::getText)
                .toList();
    }

    private static List<String> eventIds() {
        return driver.findElements(By.cssSelector("#events-table tbody tr")).stream()
                .map(r -> r.getDomAttribute("data-event")).toList();
    }

    /** Onboards {@code slug} through the API, its upstreams at {@code upstreamBase} when given. */
    private static void createTenant(String slug, String upstreamBase) {
        String base = upstreamBase == null ? "" : ", \"base_url\": \"" + upstreamBase + "\"";
        String body = """
                {"slug": "%1$s", "name": "Tenant %1$s",
                 "gorgias": {"domain": "%2$s", "username": "agent@%1$s.example",
                             "api_key": "gk-%1$s-0123456789abcdef"%3$s},
                 "shopify": {"shop_domain": "%1$s.myshopify.com", "access_token": "shpat_%1$s_0123456789",
                             "webhook_secret": "shpss_%1$s_secret_0123456789"%3$s}}"""
                .formatted(slug, slug.replace("-", ""), base);
        HttpResponse<String> r = TestServers.send(
                HttpRequest.newBuilder(TestServers.at(GATEWAY.server().adminPort(), "/admin/tenants"))
                        .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    private static String tenantColumn(String slug, String column) throws Exception {
        try (Connection c = GATEWAY.db().connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT " + column + "::text FROM tenants WHERE slug = ?")) {
            ps.setString(1, slug);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }

    private static void insertDraftedNote(UUID event, String text) throws Exception {
        try (Connection c = GATEWAY.db().connect(); PreparedStatement ps = c.prepareStatement("""
                INSERT INTO notes (id, tenant_id, event_id, gorgias_ticket_id, external_id, state, draft_source,
                                   body_text)
                SELECT gen_random_uuid(), id, ?, 4242, 'tollgate-console-draft', 'drafted', 'template', ?
                FROM tenants WHERE slug = ?""")) {
            ps.setObject(1, event);
            ps.setString(2, text);
            ps.setString(3, SLUG);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    private static void go(String hash) {
        driver.get(console + hash);
    }

    private static void type(String id, String text) {
        WebElement e = driver.findElement(By.id(id));
        e.clear();
        e.sendKeys(text);
    }

    private static Object script(String js) {
        return ((JavascriptExecutor) driver).executeScript(js);
    }

    private static void screenshot(String name) throws IOException {
        Files.write(SCREENSHOTS.resolve(name + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }

    private static UUID insertDead(String provider, String topic) throws Exception {
        UUID id = UUID.randomUUID();
        try (Connection c = GATEWAY.db().connect(); PreparedStatement ps = c.prepareStatement("""
                WITH e AS (
                  INSERT INTO webhook_events (id, tenant_id, provider, topic, delivery_key, payload_sha256, body,
                                              status, error, processed_at)
                  SELECT ?, id, ?, ?, ?, sha256(?::bytea), ?::bytea, 'dead', 'the retry budget was spent', now()
                  FROM tenants WHERE slug = ?
                  RETURNING id, tenant_id)
                INSERT INTO jobs (id, tenant_id, event_id, status, attempts, run_at, last_error)
                SELECT gen_random_uuid(), tenant_id, id, 'dead', 5, now(), 'Gorgias answered 503' FROM e""")) {
            byte[] body = "{\"console\": true}".getBytes(StandardCharsets.UTF_8);
            ps.setObject(1, id);
            ps.setString(2, provider);
            ps.setString(3, topic);
            ps.setString(4, topic + ":" + id);
            ps.setBytes(5, body);
            ps.setBytes(6, body);
            ps.setString(7, SLUG);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        return id;
    }

    private static String status(UUID event) throws Exception {
        try (Connection c = GATEWAY.db().connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT e.status || '|' || j.status FROM webhook_events e JOIN jobs j ON j.event_id = e.id "
                        + "WHERE e.id = ?")) {
            ps.setObject(1, event);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }

    private static int count(String status) throws Exception {
        try (Connection c = GATEWAY.db().connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM webhook_events WHERE status = ?")) {
            ps.setString(1, status);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}

package io.tollgate.api.consoleui;

import io.tollgate.api.TestGateway;
import io.tollgate.api.TestServers;
import io.tollgate.api.Webhooks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The console in a real browser (Debian's headless chromium, driven through its chromedriver) against a gateway
 * started as in production on real PostgreSQL: an operator's day, in order, in one browser. Skipped, with the reason,
 * where {@code /usr/bin/chromedriver} is missing ({@code .ci/run} installs it). A screenshot of each main page is
 * written under {@code target/console-screenshots/}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    private static final String SLUG = "console-shop";
    private static final String SHOPIFY_SECRET = "console-shopify-secret-0123456789";

    @RegisterExtension
    static final TestGateway GATEWAY = TestGateway.withSettings();

    private static WebDriver driver;
    private static WebDriverWait wait;
    private static String console;

    @BeforeAll
    static void browser() throws IOException {
        assumeTrue(Files.isExecutable(CHROMEDRIVER) && Files.isExecutable(CHROMIUM),
                   "the console's browser tests need Debian's chromium and chromium-driver (/usr/bin/chromedriver): "
                           + "apt-get install chromium chromium-driver; .ci/run installs them");
        // the system's driver, never one Selenium Manager would download
        System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER.toString());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--window-size=1366,900", "--disable-extensions", "--no-first-run");
        driver = new ChromeDriver(service, options);
        wait = new WebDriverWait(driver, Duration.ofSeconds(15));
        console = "http://127.0.0.1:" + GATEWAY.server().adminPort() + "/console/";
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void quit() {
        if (driver != null) {
            driver.quit();
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
        assertThat(driver.switchTo().activeElement().getAttribute("id")).isEqualTo("main");
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
        screenshot("tenant");

        go("#/audit");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("audit-table")));
        assertThat(driver.findElement(By.id("audit-table")).getText()).contains("tenant.create");
        screenshot("audit");
    }

    @Test
    @Order(8)
    void aRefusedTokenSendsBackToSignInWithAReasonAndSignOutForgetsTheToken() {
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

    /** Signs in with the bootstrap token and waits for the page it was on ({@code heading}). */
    private static void signIn(String heading) {
        WebElement input = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
        input.clear();
        input.sendKeys(TestServers.ADMIN_TOKEN);
        driver.findElement(By.id("sign-in-button")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("sign-out")));
        wait.until(ExpectedConditions.textToBe(By.tagName("h1"), heading));
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

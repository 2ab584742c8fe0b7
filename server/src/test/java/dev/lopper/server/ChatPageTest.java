package dev.lopper.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The chat page in a real headless Chromium (Debian's chromium + chromium-driver, driven by Selenium): it asks for
 * the API key, streams an answer into the page, stops one with the stop button (and the server stops generating it),
 * and shows model text as text, never as HTML. A screenshot goes to
 * target/chat-page.png. Without Chromium the test is skipped on a developer machine and fails under CI (CI=true).
 */
class ChatPageTest {
    private static final String KEY = "page-key";
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    private static TestServer server;
    private static WebDriver driver;
    private static Path profile;

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(DRIVER)) {
            String what = "Chromium (" + CHROMIUM + ") and its driver (" + DRIVER + ") are needed for the chat page "
                    + "test: apt-get install chromium chromium-driver";
            if ("true".equals(System.getenv("CI"))) {
                fail(what + " (CI=true: .ci/run installs them)");
            }
            Assumptions.abort("skipped: " + what);
        }
        server = new TestServer(TestServer.demo(), 512, ServerOptions.defaults().withApiKey(KEY));
        profile = Files.createTempDirectory("lopper-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1000,800", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() throws Exception {
        if (driver != null) {
            driver.quit();
        }
        if (server != null) {
            server.close();
        }
        if (profile != null) {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    @Test
    void asksForTheKeyAndStreamsAnAnswerIntoThePage() throws Exception {
        driver.get(server.uri("/").toString());
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
        driver.findElement(By.id("system")).sendKeys("You tell short stories.");
        // Count the page's updates while the answer arrives: a streamed answer changes the page many times.
        ((JavascriptExecutor) driver).executeScript("window.__updates = 0; new MutationObserver(() => "
                + "window.__updates++).observe(document.getElementById('messages'), "
                + "{subtree: true, childList: true, characterData: true});");
        driver.findElement(By.id("input")).sendKeys("Once upon a time");
        driver.findElement(By.id("send")).click();

        Alert ask = wait.until(ExpectedConditions.alertIsPresent());
        assertTrue(ask.getText().contains("API key"), ask.getText());
        ask.sendKeys(KEY);
        ask.accept();

        WebElement answer = wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector(".msg.assistant[data-done='true']")));
        String text = answer.getText();
        assertTrue(text.strip().length() > 20, "an answer appears: '" + text + "'");
        long updates = ((Number) ((JavascriptExecutor) driver).executeScript("return window.__updates;")).longValue();
        assertTrue(updates > 5, "the answer arrived in pieces: " + updates + " page updates");
        assertEquals("Once upon a time", driver.findElement(By.cssSelector(".msg.user")).getText());
        assertTrue(driver.findElement(By.id("stop")).getAttribute("disabled") != null, "stop is off when done");

        Path shot = Path.of("target", "chat-page.png");
        Files.createDirectories(shot.getParent());
        Files.copy(((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath(), shot,
                StandardCopyOption.REPLACE_EXISTING);
        assertTrue(Files.size(shot) > 1000);

        // The conversation lives in the browser: a reload shows it again.
        driver.navigate().refresh();
        WebElement kept = new WebDriverWait(driver, Duration.ofSeconds(10)).until(
                ExpectedConditions.presenceOfElementLocated(By.cssSelector(".msg.assistant")));
        assertEquals(text, kept.getText());
        assertEquals("You tell short stories.", driver.findElement(By.id("system")).getAttribute("value"));
    }

    @Test
    void stopEndsTheAnswerAndFreesTheSlot() throws Exception {
        ModelService service = server.server.service();
        long cancelled0 = server.server.cancelled();
        service.afterText(() -> { // slow enough for a browser to click stop mid-answer
            try {
                Thread.sleep(40);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        JavascriptExecutor js = (JavascriptExecutor) driver;
        try {
            driver.get(server.uri("/").toString());
            js.executeScript("localStorage.clear(); localStorage.setItem('lopper.key', arguments[0]);", KEY);
            driver.navigate().refresh();
            driver.findElement(By.id("input")).sendKeys("Once upon a time");
            driver.findElement(By.id("send")).click();
            WebElement answer = new WebDriverWait(driver, Duration.ofSeconds(30)).pollingEvery(Duration.ofMillis(10))
                    .until(d -> {
                        WebElement a = d.findElement(By.cssSelector(".msg.assistant"));
                        return a.getText().strip().length() > 0 ? a : null;
                    });
            assertEquals(1, service.slots().busy(), "the answer is being generated");
            assertTrue(driver.findElement(By.id("send")).getAttribute("disabled") != null, "send is off meanwhile");
            driver.findElement(By.id("stop")).click();
            long clicked = System.nanoTime();

            new WebDriverWait(driver, Duration.ofSeconds(10)).until(ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector(".msg.assistant[data-done='true']")));
            String stopped = answer.getText();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while ((server.server.cancelled() == cancelled0 || service.slots().busy() > 0)
                    && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(cancelled0 + 1, server.server.cancelled(), "the server stopped the answer early");
            assertEquals(0, service.slots().busy(), "and freed the slot");
            System.out.printf("stop: the slot was free %d ms after the click%n",
                    (System.nanoTime() - clicked) / 1_000_000);
            Thread.sleep(300);
            assertEquals(stopped, answer.getText(), "the answer stops growing");
            assertFalse(stopped.isBlank());
            assertTrue(driver.findElement(By.id("stop")).getAttribute("disabled") != null, "stop is off again");
            assertTrue(driver.findElement(By.id("send")).getAttribute("disabled") == null, "send is on again");
            assertTrue(driver.findElements(By.cssSelector(".msg.error")).isEmpty(), "a stop is not an error");
        } finally {
            service.afterText(() -> { });
            js.executeScript("localStorage.clear();");
        }
    }

    @Test
    void modelTextIsShownAsTextNeverAsHtml() {
        driver.get(server.uri("/").toString());
        String evil = "<img src=x onerror=\"window.__pwned=1\"> **bold** <script>window.__pwned=2</script>";
        ((JavascriptExecutor) driver).executeScript("localStorage.setItem('lopper.chat', JSON.stringify(["
                + "{role: 'user', content: 'hi'}, {role: 'assistant', content: arguments[0]}]));", evil);
        driver.navigate().refresh();
        WebElement bubble = new WebDriverWait(driver, Duration.ofSeconds(10)).until(
                ExpectedConditions.presenceOfElementLocated(By.cssSelector(".msg.assistant")));
        List<WebElement> images = driver.findElements(By.cssSelector("#messages img, #messages script"));
        assertTrue(images.isEmpty(), "no element made from model text");
        assertTrue(bubble.getText().contains("<img src=x"), bubble.getText());
        assertEquals(1, bubble.findElements(By.tagName("strong")).size(), "Markdown still renders");
        assertFalse(Boolean.TRUE.equals(((JavascriptExecutor) driver).executeScript(
                "return window.__pwned !== undefined;")));
    }
}

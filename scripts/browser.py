"""A headless Chromium driven over WebDriver (Debian's chromium and chromium-driver), for the
scripts that need a real browser: `make screenshot` and the dashboard latency benchmark.
Standard library only. Chromium gets a fresh profile and the flags that keep it from calling
home on a closed network.
"""
import base64
import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         "--hide-scrollbars"]


class Browser:
    def __init__(self, width=1280, height=900, scale=1):
        self.profile = tempfile.mkdtemp(prefix="analytics-chromium-")
        self.driver = subprocess.Popen([CHROMEDRIVER, "--port=0"], stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, text=True)
        self.port = None
        deadline = time.time() + 20
        while time.time() < deadline and self.port is None:
            line = self.driver.stdout.readline()
            match = re.search(r"successfully on port (\d+)", line)
            if match:
                self.port = int(match.group(1))
        if self.port is None:
            self.driver.kill()
            raise RuntimeError("chromedriver did not start")
        args = FLAGS + ["--user-data-dir=" + self.profile, "--window-size=%d,%d" % (width, height),
                        "--force-device-scale-factor=%s" % scale]
        created = self._command("POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": {"binary": CHROMIUM, "args": args}}}})
        self.session = created["sessionId"]

    def _command(self, method, path, body=None):
        data = json.dumps(body if body is not None else {}).encode() if method == "POST" else None
        request = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.load(response)["value"]
        except urllib.error.HTTPError as error:
            raise RuntimeError("WebDriver %s %s: %s" % (method, path, error.read().decode()[:500]))

    def open(self, url):
        self._command("POST", "/session/%s/url" % self.session, {"url": url})

    def run(self, script, *args):
        return self._command("POST", "/session/%s/execute/sync" % self.session, {"script": script, "args": list(args)})

    def wait(self, condition, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.run(condition):
                return True
            time.sleep(0.1)
        return False

    def screenshot(self, path):
        with open(path, "wb") as output:
            output.write(base64.b64decode(self._command("GET", "/session/%s/screenshot" % self.session)))

    def full_page_screenshot(self, path, width):
        """Resizes the window to the page's height first, so the whole page is in the picture."""
        for _ in range(3):
            # The window's height includes what is not page; grow it until the page fits.
            missing = int(self.run("return Math.ceil(document.documentElement.scrollHeight - window.innerHeight);"))
            if missing <= 0:
                break
            rect = self._command("GET", "/session/%s/window/rect" % self.session)
            self._command("POST", "/session/%s/window/rect" % self.session,
                          {"width": width, "height": rect["height"] + missing})
            time.sleep(0.3)
        self.screenshot(path)

    def close(self):
        try:
            self._command("DELETE", "/session/%s" % self.session)
        except Exception:
            pass
        self.driver.terminate()
        self.driver.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)

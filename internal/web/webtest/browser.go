// Package webtest starts a headless Chromium for the web admin's browser
// tests and for the screenshot command.
package webtest

import (
	"context"
	"os"
	"os/exec"

	"github.com/chromedp/chromedp"
)

// RequireEnv makes the browser tests fail, instead of skip, when no
// Chromium is found; CI sets it to 1.
const RequireEnv = "GATEHOUSE_TEST_REQUIRE_BROWSER"

// ChromiumPath finds a Chromium binary: GATEHOUSE_CHROMIUM if set, else
// the usual names on PATH.
func ChromiumPath() (string, bool) {
	if p := os.Getenv("GATEHOUSE_CHROMIUM"); p != "" {
		return p, true
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
	}
	return "", false
}

// Options are the flags a headless, quiet, throwaway browser runs with:
// no sandbox (containers), no GPU, nothing phoning home, and a fresh
// profile in userDataDir.
func Options(execPath, userDataDir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(execPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(userDataDir),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("hide-scrollbars", true),
	}
}

// Start launches the browser and returns a tab's context; cancel closes
// the browser and removes the profile.
func Start(ctx context.Context, execPath string) (context.Context, context.CancelFunc, error) {
	dir, err := os.MkdirTemp("", "gatehouse-chromium-")
	if err != nil {
		return nil, nil, err
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, Options(execPath, dir)...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(tabCtx); err != nil { // starts the browser
		cancelTab()
		cancelAlloc()
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return tabCtx, func() {
		cancelTab()
		cancelAlloc()
		os.RemoveAll(dir)
	}, nil
}

using System.Diagnostics;
using MtlSharp.MultiTask.Reporting;

namespace MtlSharp.MultiTask.Tests.Reporting;

/// <summary>
/// Renders a realistic report in headless Chromium and checks the screenshot is a real, non-blank image.
/// See <see cref="ChromiumFactAttribute"/> for what happens when Chromium is missing. Set the environment variable
/// <c>MTLSHARP_REPORT_SHOT_DIR</c> to keep the HTML and PNG (and a 20-task × 8-layer report) for a human look.
/// </summary>
public sealed class HtmlReportChromiumTests
{
    [ChromiumFact]
    public void Report_RendersInHeadlessChromium()
    {
        Assert.True(File.Exists(ChromiumFactAttribute.ChromiumPath),
            $"CI=true but Chromium is missing at {ChromiumFactAttribute.ChromiumPath}: install it (the report renderer test needs it).");

        string dir = Path.Combine(Path.GetTempPath(), "mtlsharp-chromium-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string html = Path.Combine(dir, "report.html");
            string shot = Path.Combine(dir, "shot.png");
            HtmlReportWriter.Save(SampleReports.Create(tasks: 4, layers: 3, components: 4, points: 2000), html);
            Screenshot(html, shot, Path.Combine(dir, "profile"), 1200, 2000);

            Assert.True(File.Exists(shot), "Chromium wrote no screenshot");
            byte[] png = File.ReadAllBytes(shot);
            Assert.True(PngImage.HasSignature(png), "screenshot is not a PNG");
            Assert.True(png.Length > 20_000, $"screenshot suspiciously small ({png.Length} bytes)");
            var img = PngImage.Decode(png);
            Assert.Equal(1200, img.Width);
            Assert.True(img.Height >= 1000, $"height {img.Height}");

            // "ink": pixels far from both the page background (sampled at a corner) and white section cards.
            var colors = new HashSet<int>();
            long ink = 0, total = 0;
            var bg = img.Rgb(2, 2);
            for (int y = 0; y < img.Height; y += 3)
                for (int x = 0; x < img.Width; x += 3)
                {
                    var p = img.Rgb(x, y);
                    colors.Add(p.R << 16 | p.G << 8 | p.B);
                    total++;
                    int fromBg = Math.Abs(p.R - bg.R) + Math.Abs(p.G - bg.G) + Math.Abs(p.B - bg.B);
                    int fromWhite = 3 * 255 - p.R - p.G - p.B;
                    if (fromBg > 40 && fromWhite > 40) ink++;
                }
            Assert.True(colors.Count > 100, $"only {colors.Count} distinct colours: blank or broken render");
            Assert.True(ink > total / 100, $"only {ink}/{total} sampled pixels are drawn: blank or broken render");

            string? keep = Environment.GetEnvironmentVariable("MTLSHARP_REPORT_SHOT_DIR");
            if (!string.IsNullOrEmpty(keep))
            {
                Directory.CreateDirectory(keep);
                File.Copy(html, Path.Combine(keep, "report.html"), overwrite: true);
                File.Copy(shot, Path.Combine(keep, "shot.png"), overwrite: true);
                HtmlReportWriter.Save(SampleReports.Create(tasks: 20, layers: 8, components: 7, points: 2000),
                    Path.Combine(keep, "report-large.html"));
            }
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Runs headless Chromium to screenshot <paramref name="html"/>; kills it after 90 s.</summary>
    internal static void Screenshot(string html, string png, string profile, int width, int height)
    {
        var psi = new ProcessStartInfo(ChromiumFactAttribute.ChromiumPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--hide-scrollbars", "--user-data-dir=" + profile, "--screenshot=" + png,
                     $"--window-size={width},{height}", new Uri(html).AbsoluteUri,
                 })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start chromium");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(90_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("chromium did not finish within 90 s: " + stderr.Result);
        }
        p.WaitForExit();
        Assert.True(p.ExitCode == 0 || File.Exists(png), $"chromium exit {p.ExitCode}: {stdout.Result} {stderr.Result}");
    }
}

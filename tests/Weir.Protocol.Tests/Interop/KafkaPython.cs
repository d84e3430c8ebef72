using System.Diagnostics;

namespace Weir.Protocol.Tests.Interop;

/// <summary>
/// Runs the kafka-python scripts next to the test binaries with Debian's python3. Missing python
/// or modules fail the test (never skip), pointing at scripts/setup-test-deps.sh.
/// </summary>
internal static class KafkaPython
{
    public const string Python = "/usr/bin/python3";

    private const string SetupHint = "run scripts/setup-test-deps.sh to install python3-kafka, python3-snappy, python3-lz4 and python3-zstandard";

    public static string Run(string script, params string[] arguments)
    {
        if (!File.Exists(Python))
        {
            Assert.Fail($"{Python} not found; {SetupHint}.");
        }

        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.Combine(AppContext.BaseDirectory, "Interop"),
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Interop", script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode == 3)
        {
            Assert.Fail($"kafka-python interop cannot run: {stderr.Result.Trim()}; {SetupHint}.");
        }

        Assert.True(process.ExitCode == 0, $"{script} failed with exit code {process.ExitCode}: {stderr.Result}");
        return stdout;
    }

    public static string CreateTempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "weir-interop-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}

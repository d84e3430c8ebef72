using System.Collections.Concurrent;
using System.Diagnostics;

namespace Weir.Cli.Tests;

/// <summary>
/// `weir start server.properties` as a real process: a listener whose security protocol Weir does
/// not implement stops start-up with a message naming it, and settings that have no effect yet are
/// warned about, one line each, only when set to something other than their default.
/// </summary>
public sealed class StartupConfigTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "weir-startup-" + Guid.NewGuid().ToString("N"));

    public StartupConfigTests() => Directory.CreateDirectory(_dir);

    [Theory]
    [InlineData("SSL://127.0.0.1:0", null, "SSL")]
    [InlineData("SASL_PLAINTEXT://127.0.0.1:0", null, "SASL_PLAINTEXT")]
    [InlineData("SASL_SSL://127.0.0.1:0", null, "SASL_SSL")]
    [InlineData("CLIENT://127.0.0.1:0", "CLIENT:SASL_SSL,CONTROLLER:PLAINTEXT", "SASL_SSL")]
    [InlineData("PLAINTEXT://127.0.0.1:0,SECURE://127.0.0.1:0", "PLAINTEXT:PLAINTEXT,SECURE:SSL", "SSL")]
    public async Task Listener_with_an_unimplemented_security_protocol_stops_start_up(string listeners, string? map, string protocol)
    {
        var properties = $"listeners={listeners}\nlog.dirs={Path.Combine(_dir, "data")}\n" + (map is null ? string.Empty : $"listener.security.protocol.map={map}\n");
        var result = await WeirTool.RunAsync(["start", WriteProperties(properties)], timeout: TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, result.ExitCode);
        var refused = listeners.Split(',')[^1];
        Assert.Contains($"listener {refused} uses security protocol {protocol}, which Weir does not implement yet", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("ready in", result.StdOut, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "data")), "nothing is formatted before the config is refused");
    }

    [Fact]
    public async Task Settings_without_effect_warn_once_each_and_defaults_warn_nothing()
    {
        var inert = await StartAndStopAsync(
            "replica.lag.time.max.ms=10000\nunclean.leader.election.enable=true\n" +
            "log.cleaner.threads=2\nnum.io.threads=16\ntransaction.max.timeout.ms=60000\n" +
            // Set, but to the default: nothing to warn about.
            "num.network.threads=3\n");
        string[] expected = ["replica.lag.time.max.ms", "unclean.leader.election.enable", "log.cleaner.threads", "num.io.threads", "transaction.max.timeout.ms"];
        var warnings = inert.Where(l => l.Contains("has no effect yet in Weir: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(expected.Length, warnings.Count);
        foreach (var name in expected)
        {
            Assert.Single(warnings, w => w.StartsWith($"weir: warning: {name} has no effect yet in Weir: ", StringComparison.Ordinal));
        }

        var defaults = await StartAndStopAsync(string.Empty);
        Assert.DoesNotContain(defaults, l => l.Contains("warning", StringComparison.OrdinalIgnoreCase));
    }

    private string WriteProperties(string text)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".properties");
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Starts `weir start FILE` on an ephemeral port, waits until it is ready, stops it by its pid; returns its stderr lines.</summary>
    private async Task<List<string>> StartAndStopAsync(string extra)
    {
        var path = WriteProperties($"listeners=PLAINTEXT://127.0.0.1:0\nlog.dirs={Path.Combine(_dir, Guid.NewGuid().ToString("N"))}\n{extra}");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "weir.dll"));
        psi.ArgumentList.Add("start");
        psi.ArgumentList.Add(path);
        using var process = Process.Start(psi)!;
        var stderr = new ConcurrentQueue<string>();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("ready in", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                stderr.Enqueue(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var first = await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
            Assert.True(first == ready.Task, $"weir start did not become ready (exited: {process.HasExited}):\n{string.Join('\n', stderr)}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            // Without a timeout this also waits for the redirected output to be read to its end.
            process.WaitForExit();
        }

        return [.. stderr];
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

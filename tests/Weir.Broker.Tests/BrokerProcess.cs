using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Weir.Broker.Tests;

/// <summary>`weir start` as a real child process, so tests can kill -9 it.</summary>
public sealed class BrokerProcess : IDisposable
{
    private readonly Process _process;

    private BrokerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary>Starts <c>weir start</c> on <paramref name="port"/>; <paramref name="overrides"/> are more <c>name=value</c> settings.</summary>
    public static async Task<BrokerProcess> StartAsync(string dataDir, int port, IReadOnlyList<string>? overrides = null)
    {
        var weirDll = Path.Combine(AppContext.BaseDirectory, "weir.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { weirDll, "start", "--override", $"listeners=PLAINTEXT://127.0.0.1:{port}", "--override", $"log.dirs={dataDir}" })
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var setting in overrides ?? [])
        {
            psi.ArgumentList.Add("--override");
            psi.ArgumentList.Add(setting);
        }

        var process = Process.Start(psi)!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("ready in", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(30))).ConfigureAwait(false) != ready.Task)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"weir start did not become ready (exited: {process.HasExited}).");
        }

        return new BrokerProcess(process, port);
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush, no clean-shutdown marker.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}

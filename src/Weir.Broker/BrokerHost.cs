using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Weir.Broker.Config;
using Weir.Broker.Network;
using Weir.Broker.Startup;

namespace Weir.Broker;

/// <summary>
/// The embeddable broker: builds the services, binds the Kafka listeners on Kestrel and runs until
/// stopped. `weir start` and the in-process test fixture both use it. A listener asked for port 0
/// gets an ephemeral port, and the broker advertises the port it really bound.
/// </summary>
public sealed class BrokerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly LogDirLocks _locks;

    private BrokerHost(WebApplication app, BrokerConfig config, IReadOnlyList<IPEndPoint> bound, LogDirLocks locks)
    {
        _app = app;
        _locks = locks;
        Config = config;
        BoundEndPoints = bound;
    }

    public BrokerConfig Config { get; }

    /// <summary>Where the Kafka listeners are bound, in the order of <see cref="BrokerConfig.ClientListeners"/>.</summary>
    public IReadOnlyList<IPEndPoint> BoundEndPoints { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<BrokerHost> StartAsync(BrokerConfig config, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        // Before anything touches the log dirs: what this build cannot run, dirs that belong to another
        // cluster or node, then Kafka's .lock in every dir, held until the host is disposed.
        config.EnsureSupportedByThisBuild();
        LogDirsCheck.Verify(config);
        var locks = LogDirLocks.Acquire(config.LogDirs);
        try
        {
            return await StartLockedAsync(config, locks, logging, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            locks.Dispose();
            throw;
        }
    }

    private static async Task<BrokerHost> StartLockedAsync(BrokerConfig config, LogDirLocks locks, Action<ILoggingBuilder>? logging, CancellationToken cancellationToken)
    {
        // Before anything opens files: segments take three descriptors a partition.
        var fileLimits = FileDescriptors.RaiseToHardLimit();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        // Kestrel's own start-up lines talk about "http://" and the host logs a stack trace when a
        // port is taken; `weir start` says both plainly itself.
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging?.Invoke(builder.Logging);
        var listenOptions = new List<ListenOptions>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            foreach (var listener in config.ClientListeners)
            {
                if (listener.Host == "localhost" && listener.Port != 0)
                {
                    // Both loopbacks, as clients may resolve localhost to ::1 first.
                    kestrel.ListenLocalhost(listener.Port, options =>
                    {
                        options.UseConnectionHandler<KafkaConnectionHandler>();
                        listenOptions.Add(options);
                    });
                    continue;
                }

                kestrel.Listen(ResolveBindAddress(listener), options =>
                {
                    options.UseConnectionHandler<KafkaConnectionHandler>();
                    listenOptions.Add(options);
                });
            }
        });
        BrokerServices.Add(builder.Services, config);
        var app = builder.Build();
        // Resolved now so a bad max.connections.per.ip.overrides host fails the start, not the first connection.
        app.Services.GetRequiredService<ConnectionLimits>();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        WarnIfFewFileDescriptors(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Weir.Broker.Limits"), fileLimits);
        var bound = new List<IPEndPoint>();
        foreach (var options in listenOptions)
        {
            bound.Add(options.IPEndPoint ?? new IPEndPoint(IPAddress.Loopback, ((DnsEndPoint)options.EndPoint).Port));
        }

        var host = new BrokerHost(app, config, bound, locks);
        await app.Services.GetRequiredService<BrokerRuntime>().OnListenersBoundAsync(bound, cancellationToken).ConfigureAwait(false);
        return host;
    }

    /// <summary>Runs until Ctrl-C / SIGTERM, then shuts down cleanly.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _locks.Dispose();
    }

    /// <summary>Kafka's operations guide asks for at least 100,000 descriptors; say what fewer mean in partitions.</summary>
    private static void WarnIfFewFileDescriptors(ILogger logger, (long Soft, long Hard)? limits)
    {
        if (limits is not { } l || l.Soft >= RecommendedFileDescriptors)
        {
            return;
        }

        var open = FileDescriptors.CountOpen();
        logger.LogWarning(
            "Open file limit is {Soft} (hard limit {Hard}): room for about {Partitions} more partitions ({PerPartition} files each) beside the {Open} files open now and the connections; at least {Recommended} is recommended (ulimit -n, or LimitNOFILE= for a systemd service)",
            l.Soft, l.Hard, FileDescriptors.PartitionCapacity(l.Soft, open), FileDescriptors.FilesPerPartition, open, RecommendedFileDescriptors);
    }

    private const long RecommendedFileDescriptors = 100_000;

    private static IPEndPoint ResolveBindAddress(Listener listener)
    {
        if (listener.Host is "" or "0.0.0.0")
        {
            return new IPEndPoint(IPAddress.Any, listener.Port);
        }

        if (listener.Host is "::")
        {
            return new IPEndPoint(IPAddress.IPv6Any, listener.Port);
        }

        if (IPAddress.TryParse(listener.Host, out var ip))
        {
            return new IPEndPoint(ip, listener.Port);
        }

        // localhost and other names: the first IPv4 address they resolve to, as clients will connect there.
        var addresses = Dns.GetHostAddresses(listener.Host);
        foreach (var address in addresses)
        {
            if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            {
                return new IPEndPoint(address, listener.Port);
            }
        }

        return new IPEndPoint(addresses.Length > 0 ? addresses[0] : IPAddress.Loopback, listener.Port);
    }
}

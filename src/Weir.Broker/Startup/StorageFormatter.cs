using System.Globalization;
using Weir.Broker.Config;
using Weir.Storage;

namespace Weir.Broker.Startup;

/// <summary>A format that cannot go ahead (Kafka's FormatterException / TerseFailure): printed, exit 1.</summary>
public sealed class StorageFormatException(string message) : Exception(message);

/// <summary>Kafka's Formatter directory kinds, as its "Formatting ..." lines name them.</summary>
public enum FormattedDirectoryType
{
    Data,
    Metadata,
    DynamicMetadata,
    DynamicMetadataVoter,
}

public sealed record FormattedDirectory(string Path, string DirectoryId, FormattedDirectoryType Type);

/// <summary>What <c>format</c> was asked to do.</summary>
public sealed record StorageFormatOptions(string ClusterId)
{
    public bool Standalone { get; init; }

    /// <summary>--initial-controllers text: id@host:port:directoryId,...</summary>
    public string? InitialControllers { get; init; }

    public bool NoInitialControllers { get; init; }

    public bool IgnoreFormatted { get; init; }

    /// <summary>
    /// Writes <c>__cluster_metadata-0/00000000000000000000-0000000000.checkpoint</c> (KRaftVersionRecord +
    /// VotersRecord) into the metadata dir, before its meta.properties (Kafka's pre-write handler):
    /// <c>weir storage</c> passes <see cref="Metadata.BootstrapSnapshot.Write"/>. Null writes no snapshot; the
    /// voter set is still validated and returned in the result.
    /// </summary>
    public Action<BootstrapSnapshotRequest>? WriteBootstrapSnapshot { get; init; }
}

/// <summary>
/// What the bootstrap snapshot of a dynamic quorum holds: the initial voters (each with its directory id
/// and one endpoint on <paramref name="ControllerListenerName"/>, as Kafka's DynamicVoters.toVoterSet; the client listener's name when
/// the controller shares it) and kraft.version.
/// </summary>
public sealed record BootstrapSnapshotRequest(string MetadataDirectory, InitialVoterSet Voters, short KRaftVersion, string ControllerListenerName, string MetadataVersion);

/// <summary>
/// What <c>format</c> did: the typed voter set (null without --standalone / --initial-controllers) and
/// the kraft.version the bootstrap snapshot carries, for the checkpoint writer.
/// </summary>
public sealed record StorageFormatResult(
    string ClusterId,
    int NodeId,
    string MetadataVersion,
    short KRaftVersion,
    InitialVoterSet? InitialVoters,
    string MetadataDirectory,
    IReadOnlyList<FormattedDirectory> Formatted);

/// <summary>
/// <c>kafka-storage.sh format</c> as Kafka 4's StorageTool and Formatter: validates the flags against the
/// config, refuses already formatted dirs unless --ignore-formatted, writes meta.properties (version 1,
/// node.id, cluster.id, directory.id) in every log dir, and hands the initial voter set of a dynamic
/// quorum to <see cref="StorageFormatOptions.WriteBootstrapSnapshot"/> for the metadata dir.
/// </summary>
public static class StorageFormatter
{
    /// <summary>The metadata.version Weir formats with: Kafka 4.0's latest production version.</summary>
    public const string MetadataVersion = "4.0-IV3";

    public static StorageFormatResult Format(BrokerConfig config, StorageFormatOptions options, TextWriter output)
    {
        var flags = (options.Standalone ? 1 : 0) + (options.InitialControllers is null ? 0 : 1) + (options.NoInitialControllers ? 1 : 0);
        if (flags > 1)
        {
            throw new StorageFormatException("Only one of --standalone, --initial-controllers and --no-initial-controllers can be given.");
        }

        if (!InitialController.IsUuid(options.ClusterId))
        {
            throw new StorageFormatException($"Cluster ID string {options.ClusterId} does not appear to be a valid UUID: use bin/kafka-storage.sh random-uuid to make one.");
        }

        var isController = config.ProcessRoles.HasFlag(ProcessRoles.Controller);
        InitialVoterSet? voters = null;
        if (options.Standalone)
        {
            voters = StandaloneVoters(config);
        }
        else if (options.InitialControllers is not null)
        {
            try
            {
                voters = InitialVoterSet.Parse(options.InitialControllers);
            }
            catch (ArgumentException e)
            {
                throw new StorageFormatException($"Invalid --initial-controllers '{options.InitialControllers}': {e.Message}");
            }
        }

        if (voters is not null && config.Quorum.StaticVoters.Count > 0)
        {
            throw new StorageFormatException(
                "You cannot specify controller.quorum.voters and format the node with --initial-controllers or --standalone. " +
                "If you want to use dynamic quorum, please remove controller.quorum.voters and specify controller.quorum.bootstrap.servers instead.");
        }

        if (!options.NoInitialControllers && isController && config.Quorum.StaticVoters.Count == 0 && voters is null)
        {
            throw new StorageFormatException(
                "Because controller.quorum.voters is not set on this controller, you must specify one of the following: --standalone, --initial-controllers, or --no-initial-controllers.");
        }

        var dynamicQuorum = config.Quorum.StaticVoters.Count == 0 && (voters is not null || options.NoInitialControllers);
        short kraftVersion = dynamicQuorum ? (short)1 : (short)0;

        // Kafka formats the sorted set of log dirs; the metadata log lives in the first configured one.
        var metadataDir = config.LogDirs[0];
        var directories = new SortedSet<string>(config.LogDirs, StringComparer.Ordinal);
        var formatted = new List<string>();
        var empty = new List<string>();
        foreach (var dir in directories)
        {
            MetaProperties? meta;
            try
            {
                meta = Directory.Exists(dir) ? MetaProperties.Read(dir) : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                output.WriteLine($"I/O error trying to read log directory {dir}. Ignoring...");
                continue;
            }

            if (meta is null)
            {
                empty.Add(dir);
                continue;
            }

            var path = Path.Combine(dir, MetaProperties.FileName);
            if (meta.ClusterId != options.ClusterId)
            {
                throw new StorageFormatException($"Invalid cluster.id in: {path}. Expected {options.ClusterId}, but read {meta.ClusterId}");
            }

            if (meta.NodeId != config.NodeId)
            {
                throw new StorageFormatException(
                    $"Stored node id {meta.NodeId} doesn't match previous node id {config.NodeId} in {path}. If you moved your data, make sure your configured node id matches. " +
                    "If you intend to create a new node, you should remove all data in your data directories.");
            }

            formatted.Add(dir);
        }

        if (formatted.Count > 0 && !options.IgnoreFormatted)
        {
            throw new StorageFormatException($"Log directory {formatted[0]} is already formatted. Use --ignore-formatted to ignore this directory and format the others.");
        }

        var written = new List<FormattedDirectory>();
        if (empty.Count == 0)
        {
            if (formatted.Count == 0)
            {
                throw new StorageFormatException("No available log directories to format.");
            }

            output.WriteLine("All of the log directories are already formatted.");
            return new StorageFormatResult(options.ClusterId, config.NodeId, MetadataVersion, kraftVersion, voters, metadataDir, written);
        }

        output.WriteLine($"Bootstrap metadata: BootstrapMetadata(metadataVersion={MetadataVersion}, kraftVersion={kraftVersion}, source=format command)");
        var usedIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dir in empty)
        {
            var type = dir != metadataDir ? FormattedDirectoryType.Data
                : voters is null ? FormattedDirectoryType.Metadata
                : voters.Find(config.NodeId) is not null ? FormattedDirectoryType.DynamicMetadataVoter
                : FormattedDirectoryType.DynamicMetadata;
            var directoryId = type == FormattedDirectoryType.DynamicMetadataVoter ? voters!.Find(config.NodeId)!.DirectoryId : NewDirectoryId(usedIds);
            usedIds.Add(directoryId);
            output.WriteLine($"Formatting {Describe(type)} {dir} with metadata.version {MetadataVersion}.");
            try
            {
                Directory.CreateDirectory(dir);
                if (type is FormattedDirectoryType.DynamicMetadataVoter or FormattedDirectoryType.DynamicMetadata && voters is not null)
                {
                    // The listener the voters are reached on: the client listener when the controller shares it (Weir's).
                    var listener = config.ControllerEndpoint?.Name ?? (config.ControllerListenerNames.Count > 0 ? config.ControllerListenerNames[0] : "CONTROLLER");
                    options.WriteBootstrapSnapshot?.Invoke(new BootstrapSnapshotRequest(dir, voters, kraftVersion, listener, MetadataVersion));
                }

                new MetaProperties(1, options.ClusterId, config.NodeId, directoryId).Write(dir);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StorageFormatException($"Error while writing meta.properties file {dir}: {e.Message}");
            }

            written.Add(new FormattedDirectory(dir, directoryId, type));
        }

        return new StorageFormatResult(options.ClusterId, config.NodeId, MetadataVersion, kraftVersion, voters, metadataDir, written);
    }

    /// <summary>--standalone: this node alone, at its advertised controller endpoint, with a fresh directory id.</summary>
    private static InitialVoterSet StandaloneVoters(BrokerConfig config)
    {
        if (!config.ProcessRoles.HasFlag(ProcessRoles.Controller))
        {
            throw new StorageFormatException("You can only use --standalone on a controller.");
        }

        var endpoint = config.ControllerEndpoint ?? throw new StorageFormatException("No controller listeners found.");
        if (endpoint.Port == 0)
        {
            throw new StorageFormatException($"--standalone needs the controller's port, but {endpoint} asks for an ephemeral one: give the listener a fixed port.");
        }

        var host = endpoint.Host is "" or "0.0.0.0" or "::" ? "localhost" : endpoint.Host;
        return new InitialVoterSet([new InitialController(config.NodeId, host, endpoint.Port, KafkaUuid.NewRandom())]);
    }

    private static string NewDirectoryId(HashSet<string> used)
    {
        while (true)
        {
            var id = KafkaUuid.NewRandom();
            if (!used.Contains(id))
            {
                return id;
            }
        }
    }

    private static string Describe(FormattedDirectoryType type) => type switch
    {
        FormattedDirectoryType.Data => "data directory",
        FormattedDirectoryType.Metadata => "metadata directory",
        FormattedDirectoryType.DynamicMetadata => "dynamic metadata directory",
        _ => "dynamic metadata voter directory",
    };

    /// <summary>
    /// <c>kafka-storage.sh info</c>: the log dirs found, the first meta.properties, and any problems
    /// (missing, unformatted, mismatched ids), in Kafka's words. Returns the exit code.
    /// </summary>
    public static int Info(BrokerConfig config, TextWriter output)
    {
        var problems = new List<string>();
        var found = new List<string>();
        MetaProperties? first = null;
        foreach (var dir in new SortedSet<string>(config.LogDirs, StringComparer.Ordinal))
        {
            if (!Directory.Exists(dir))
            {
                problems.Add(File.Exists(dir) ? $"{dir} is not a directory" : $"{dir} does not exist");
                continue;
            }

            found.Add(dir);
            var path = Path.Combine(dir, MetaProperties.FileName);
            if (!File.Exists(path))
            {
                problems.Add($"{dir} is not formatted.");
                continue;
            }

            try
            {
                var meta = MetaProperties.Read(dir)!;
                if (first is null)
                {
                    first = meta;
                }
                else if (first.ClusterId != meta.ClusterId)
                {
                    problems.Add("Mismatched cluster IDs between storage directories.");
                }
                else if (first.NodeId != meta.NodeId)
                {
                    problems.Add("Mismatched node IDs between storage directories.");
                }
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                problems.Add($"Error loading {path}: {e.Message}");
            }
        }

        if (found.Count > 0)
        {
            output.WriteLine(found.Count == 1 ? "Found log directory:" : "Found log directories:");
            foreach (var dir in found)
            {
                output.WriteLine($"  {dir}");
            }

            output.WriteLine();
        }

        if (first is not null)
        {
            var fields = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["cluster.id"] = first.ClusterId,
                ["node.id"] = first.NodeId.ToString(CultureInfo.InvariantCulture),
                ["version"] = first.Version.ToString(CultureInfo.InvariantCulture),
            };
            if (first.DirectoryId.Length > 0)
            {
                fields["directory.id"] = first.DirectoryId;
            }

            output.WriteLine($"Found metadata: {{{string.Join(", ", fields.Select(f => $"{f.Key}={f.Value}"))}}}");
            output.WriteLine();
        }

        if (problems.Count == 0)
        {
            return 0;
        }

        output.WriteLine(problems.Count == 1 ? "Found problem:" : "Found problems:");
        foreach (var problem in problems)
        {
            output.WriteLine($"  {problem}");
        }

        output.WriteLine();
        return 1;
    }
}

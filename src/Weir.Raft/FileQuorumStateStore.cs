using System.Text;
using System.Text.Json;

namespace Weir.Raft;

/// <summary>
/// Kafka's <c>quorum-state</c> file: one JSON line of QuorumStateData version 1
/// (<c>{"leaderId":1,"leaderEpoch":5,"votedId":-1,"votedDirectoryId":"AAAAAAAAAAAAAAAAAAAAAA","data_version":1}</c>),
/// written to a temporary file, fsynced and renamed over the old one. Version 0 files (with
/// clusterId, appliedOffset and currentVoters) are read too.
/// </summary>
public sealed class FileQuorumStateStore(string path) : IQuorumStateStore
{
    /// <summary>Kafka's file name inside the metadata log directory.</summary>
    public const string DefaultFileName = "quorum-state";

    private const short WriteVersion = 1;

    public string Path { get; } = path;

    public ElectionState? Read()
    {
        if (!File.Exists(Path))
        {
            return null;
        }
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path));
        var root = document.RootElement;
        if (!root.TryGetProperty("data_version", out var versionElement))
        {
            throw new InvalidDataException($"{Path} has no data_version field");
        }
        var version = versionElement.GetInt16();
        if (version is < 0 or > 1)
        {
            throw new InvalidDataException($"{Path}: data_version {version} is not within 0 and 1");
        }
        var votedDirectoryId = version >= 1 && root.TryGetProperty("votedDirectoryId", out var dir)
            ? KafkaUuid.FromText(dir.GetString() ?? throw new InvalidDataException($"{Path}: null votedDirectoryId"))
            : Guid.Empty;
        return new ElectionState(
            root.GetProperty("leaderEpoch").GetInt32(),
            root.GetProperty("leaderId").GetInt32(),
            root.GetProperty("votedId").GetInt32(),
            votedDirectoryId);
    }

    public void Write(ElectionState state)
    {
        var temp = Path + ".tmp";
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            // Field order and names as Kafka's QuorumStateDataJsonConverter writes version 1.
            json.WriteStartObject();
            json.WriteNumber("leaderId", state.LeaderId);
            json.WriteNumber("leaderEpoch", state.Epoch);
            json.WriteNumber("votedId", state.VotedId);
            json.WriteString("votedDirectoryId", KafkaUuid.ToText(state.VotedDirectoryId));
            json.WriteNumber("data_version", WriteVersion);
            json.WriteEndObject();
        }
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, Path, overwrite: true);
    }

    /// <summary>The file's text, for tools and tests.</summary>
    public string ReadText() => File.ReadAllText(Path, Encoding.UTF8);
}

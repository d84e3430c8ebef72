namespace Weir.Broker.Config;

/// <summary>
/// Where each setting came from (a line of a properties file, or an override), so a configuration
/// mistake says which line of which file to fix.
/// </summary>
public sealed class ConfigOrigins
{
    private readonly Dictionary<string, string> _where = new(StringComparer.Ordinal);

    public static ConfigOrigins None { get; } = new();

    /// <summary>The file settings were read from, or null.</summary>
    public string? File { get; private init; }

    public static ConfigOrigins FromFile(string path, IReadOnlyDictionary<string, PropertiesFile.Entry> entries, IEnumerable<string> overridden)
    {
        var origins = new ConfigOrigins { File = path };
        foreach (var (name, entry) in entries)
        {
            origins._where[name] = $"{path} line {entry.Line}";
        }

        foreach (var name in overridden)
        {
            origins._where[name] = $"--override {name}";
        }

        return origins;
    }

    /// <summary>"FILE line N" or "--override NAME" for a setting given explicitly; null for a default.</summary>
    public string? Of(string name) => _where.GetValueOrDefault(name);

    /// <summary>A message prefixed with where the first of <paramref name="names"/> that was given explicitly is set.</summary>
    public ConfigException Error(string message, params string[] names)
    {
        var places = new List<string>();
        foreach (var name in names)
        {
            if (Of(name) is { } where && !places.Contains(where))
            {
                places.Add(where);
            }
        }

        return new ConfigException(places.Count == 0 ? message : $"{string.Join(", ", places)}: {message}");
    }
}

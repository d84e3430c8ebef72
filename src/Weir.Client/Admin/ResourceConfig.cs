using Weir.Protocol;

namespace Weir.Client.Admin;

/// <summary>The configs of one resource, or the error describing it failed with.</summary>
public sealed record ResourceConfig(ConfigResource Resource, ErrorCode Error, string? ErrorMessage, IReadOnlyList<ConfigEntry> Entries)
{
    /// <summary>The entry named <paramref name="name"/>, or null.</summary>
    public ConfigEntry? Get(string name)
    {
        foreach (var entry in Entries)
        {
            if (entry.Name == name)
            {
                return entry;
            }
        }

        return null;
    }
}

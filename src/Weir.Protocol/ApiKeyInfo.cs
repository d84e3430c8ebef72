namespace Weir.Protocol;

/// <summary>What the schemas say about one API: its versions, when it became flexible and who serves it.</summary>
/// <param name="FirstFlexibleVersion">The first flexible request version, or <see cref="short.MaxValue"/> if never flexible.</param>
/// <param name="ResponseFirstFlexibleVersion">The same for the response schema.</param>
public sealed record ApiKeyInfo(
    ApiKey Key,
    string Name,
    short LowestSupportedVersion,
    short HighestSupportedVersion,
    short FirstFlexibleVersion,
    short ResponseFirstFlexibleVersion,
    ApiListeners Listeners,
    bool LatestVersionUnstable)
{
    public bool IsFlexible(short version) => version >= FirstFlexibleVersion;

    public bool IsSupported(short version) => version >= LowestSupportedVersion && version <= HighestSupportedVersion;
}

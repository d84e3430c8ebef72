using Weir.Protocol.Metadata;

namespace Weir.Broker.Controller;

/// <summary>
/// Finalized feature levels (Kafka's FeatureControlManager), replayed from FeatureLevelRecord. Weir writes
/// none yet (no <c>metadata.version</c> bootstrap record, no UpdateFeatures): a log from Kafka that has
/// them is still read, and the levels are here for the day records change shape by version.
/// </summary>
internal sealed class FeatureControl
{
    private readonly Dictionary<string, short> _levels = new(StringComparer.Ordinal);

    /// <summary>The finalized level of <paramref name="feature"/>; 0 when it is not set.</summary>
    public short FinalizedLevel(string feature) => _levels.GetValueOrDefault(feature);

    public void Replay(FeatureLevelRecord record)
    {
        if (record.FeatureLevel == 0)
        {
            _levels.Remove(record.Name);
        }
        else
        {
            _levels[record.Name] = record.FeatureLevel;
        }
    }
}

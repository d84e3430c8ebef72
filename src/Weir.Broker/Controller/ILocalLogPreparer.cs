namespace Weir.Broker.Controller;

/// <summary>What the controller needs from the broker's storage before it commits new partitions hosted here.</summary>
public interface ILocalLogPreparer
{
    /// <summary>Creates the logs of <paramref name="partitions"/> of <paramref name="topic"/>; on failure removes those it made and returns why.</summary>
    string? Prepare(string topic, IReadOnlyList<int> partitions);

    /// <summary>Removes logs made by <see cref="Prepare"/> for a commit that then failed.</summary>
    void Discard(string topic, IReadOnlyList<int> partitions);
}

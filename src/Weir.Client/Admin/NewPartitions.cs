namespace Weir.Client.Admin;

/// <summary>Grow a topic to <paramref name="TotalCount"/> partitions; <paramref name="Assignments"/> optionally places each new one (broker ids).</summary>
public sealed record NewPartitions(int TotalCount, IReadOnlyList<IReadOnlyList<int>>? Assignments = null);

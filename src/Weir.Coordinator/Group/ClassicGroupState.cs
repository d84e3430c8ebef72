namespace Weir.Coordinator.Group;

/// <summary>The classic group's states; <see cref="ClassicGroupStates.Name"/> gives Kafka's spelling.</summary>
internal enum ClassicGroupState
{
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
}

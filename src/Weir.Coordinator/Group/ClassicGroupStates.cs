namespace Weir.Coordinator.Group;

/// <summary>Kafka's names of the classic group states, as DescribeGroups and ListGroups report them.</summary>
internal static class ClassicGroupStates
{
    public static string Name(ClassicGroupState state) => state switch
    {
        ClassicGroupState.Empty => "Empty",
        ClassicGroupState.PreparingRebalance => "PreparingRebalance",
        ClassicGroupState.CompletingRebalance => "CompletingRebalance",
        ClassicGroupState.Stable => "Stable",
        _ => "Dead",
    };
}

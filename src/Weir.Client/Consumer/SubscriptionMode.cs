namespace Weir.Client.Consumer;

/// <summary>How the consumer got its partitions.</summary>
internal enum SubscriptionMode
{
    None,
    Topics,
    Pattern,
    Manual,
}

namespace Weir.Client;

/// <summary><c>isolation.level</c>: whether reads stop at the last stable offset (transactions).</summary>
public enum IsolationLevel : sbyte
{
    ReadUncommitted = 0,
    ReadCommitted = 1,
}

namespace Weir.Client;

/// <summary>isolation.level: which records a consumer sees.</summary>
public enum IsolationLevel : sbyte
{
    ReadUncommitted = 0,
    ReadCommitted = 1,
}

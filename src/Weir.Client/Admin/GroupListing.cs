namespace Weir.Client.Admin;

/// <summary>One group in a ListGroups answer. State and type are empty when the broker is too old to say.</summary>
public sealed record GroupListing(string GroupId, string ProtocolType, string State, string Type);

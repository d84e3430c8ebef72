namespace Weir.Client.Admin;

/// <summary>One topic in a listing.</summary>
public sealed record TopicListing(string Name, Guid TopicId, bool IsInternal);

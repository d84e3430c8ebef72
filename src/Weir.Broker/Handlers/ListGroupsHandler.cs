using Weir.Broker.Dispatch;
using Weir.Coordinator.Group;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>ListGroups v0–5: the groups this coordinator serves, filtered by state (v4+) and type (v5+).</summary>
public sealed class ListGroupsHandler(GroupCoordinator groups) : ApiHandler<ListGroupsRequest, ListGroupsResponse>
{
    public override ApiKey Key => ApiKey.ListGroups;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override async ValueTask<ListGroupsResponse?> HandleAsync(RequestContext context, ListGroupsRequest request, CancellationToken cancellationToken) =>
        await groups.ListGroupsAsync(request, context.ApiVersion, cancellationToken).ConfigureAwait(false);
}

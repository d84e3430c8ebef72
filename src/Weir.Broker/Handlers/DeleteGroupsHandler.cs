using Weir.Broker.Dispatch;
using Weir.Coordinator.Group;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>DeleteGroups v0–2: removes empty groups and their committed offsets.</summary>
public sealed class DeleteGroupsHandler(GroupCoordinator groups) : ApiHandler<DeleteGroupsRequest, DeleteGroupsResponse>
{
    public override ApiKey Key => ApiKey.DeleteGroups;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    protected override async ValueTask<DeleteGroupsResponse?> HandleAsync(RequestContext context, DeleteGroupsRequest request, CancellationToken cancellationToken) =>
        await groups.DeleteGroupsAsync(request, context.ApiVersion, cancellationToken).ConfigureAwait(false);
}

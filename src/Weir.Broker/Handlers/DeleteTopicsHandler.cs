using Weir.Broker.Dispatch;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>
/// DeleteTopics v0–6: by name (v0–5 TopicNames, v6 Topics[].Name) or by topic id (v6). The
/// topic leaves the metadata image and its partition directories are removed.
/// </summary>
public sealed class DeleteTopicsHandler(BrokerRuntime runtime) : ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse>
{
    public override ApiKey Key => ApiKey.DeleteTopics;

    public override short MinVersion => 0;

    public override short MaxVersion => 6;

    protected override async ValueTask<DeleteTopicsResponse?> HandleAsync(RequestContext context, DeleteTopicsRequest request, CancellationToken cancellationToken)
    {
        var response = new DeleteTopicsResponse();
        var wanted = new List<(string? Name, Guid Id)>();
        if (context.ApiVersion >= 6)
        {
            foreach (var t in request.Topics)
            {
                wanted.Add((t.Name, t.TopicId));
            }
        }
        else
        {
            foreach (var name in request.TopicNames)
            {
                wanted.Add((name, Guid.Empty));
            }
        }

        foreach (var (name, id) in wanted)
        {
            var image = runtime.Metadata.Image;
            var result = new DeleteTopicsResponse.DeletableTopicResult { Name = name, TopicId = id };
            response.Responses.Add(result);
            Guid topicId;
            if (name is not null)
            {
                if (!image.TopicsByName.TryGetValue(name, out var topic))
                {
                    result.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
                    result.ErrorMessage = "This server does not host this topic-partition.";
                    continue;
                }

                topicId = topic.Id;
            }
            else
            {
                topicId = id;
            }

            var (error, message) = await runtime.Controller.DeleteTopicAsync(topicId, cancellationToken).ConfigureAwait(false);
            result.ErrorCode = (short)error;
            result.ErrorMessage = message;
            if (error == ErrorCode.None && context.ApiVersion >= 6)
            {
                result.TopicId = topicId;
            }
        }

        return response;
    }
}

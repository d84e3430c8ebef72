using Weir.Broker.Controller;
using Weir.Broker.Dispatch;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>
/// CreateTopics v0–7: partitions and replication factor (-1 = broker default, v4+), explicit
/// assignments, configs, validateOnly (v1+), per-topic error messages (v1+), and the created
/// topic's id, counts and configs (v5+). A name given twice fails both entries with INVALID_REQUEST.
/// </summary>
public sealed class CreateTopicsHandler(BrokerRuntime runtime) : ApiHandler<CreateTopicsRequest, CreateTopicsResponse>
{
    public override ApiKey Key => ApiKey.CreateTopics;

    public override short MinVersion => 0;

    public override short MaxVersion => 7;

    protected override async ValueTask<CreateTopicsResponse?> HandleAsync(RequestContext context, CreateTopicsRequest request, CancellationToken cancellationToken)
    {
        var response = new CreateTopicsResponse();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var topic in request.Topics)
        {
            seen[topic.Name] = seen.GetValueOrDefault(topic.Name) + 1;
        }

        foreach (var topic in request.Topics)
        {
            var result = new CreateTopicsResponse.CreatableTopicResult { Name = topic.Name };
            response.Topics.Add(result);
            if (seen[topic.Name] > 1)
            {
                result.ErrorCode = (short)ErrorCode.InvalidRequest;
                result.ErrorMessage = $"Create topics request from client `{context.ClientId}` contains multiple entries for the following topics: {topic.Name}";
                continue;
            }

            var configs = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var c in topic.Configs)
            {
                configs[c.Name] = c.Value;
            }

            List<int[]>? assignments = null;
            if (topic.Assignments.Count > 0)
            {
                assignments = [];
                foreach (var a in topic.Assignments.OrderBy(a => a.PartitionIndex))
                {
                    assignments.Add([.. a.BrokerIds]);
                }
            }

            var created = await runtime.Controller.CreateTopicAsync(new TopicCreation(topic.Name, topic.NumPartitions, topic.ReplicationFactor, assignments, configs), request.validateOnly, cancellationToken).ConfigureAwait(false);
            result.ErrorCode = (short)created.Error;
            result.ErrorMessage = created.Message;
            if (created.Error == ErrorCode.None)
            {
                result.TopicId = created.TopicId;
                result.NumPartitions = created.NumPartitions;
                result.ReplicationFactor = created.ReplicationFactor;
                result.Configs = [];
                foreach (var (name, value) in configs)
                {
                    result.Configs.Add(new CreateTopicsResponse.CreatableTopicConfigs { Name = name, Value = value, ConfigSource = 1 });
                }
            }
        }

        return response;
    }
}

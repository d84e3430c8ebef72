using Weir.Broker.Dispatch;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>
/// CreatePartitions v0–3: raises a topic's partition count, optionally on explicit brokers, or only
/// validates. A topic named twice gets one INVALID_REQUEST result (as Kafka's controller answers).
/// </summary>
public sealed class CreatePartitionsHandler(BrokerRuntime runtime) : ApiHandler<CreatePartitionsRequest, CreatePartitionsResponse>
{
    public override ApiKey Key => ApiKey.CreatePartitions;

    public override short MinVersion => 0;

    public override short MaxVersion => 3;

    protected override async ValueTask<CreatePartitionsResponse?> HandleAsync(RequestContext context, CreatePartitionsRequest request, CancellationToken cancellationToken)
    {
        var response = new CreatePartitionsResponse();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var topic in request.Topics)
        {
            seen[topic.Name] = seen.GetValueOrDefault(topic.Name) + 1;
        }

        foreach (var topic in request.Topics)
        {
            var count = seen[topic.Name];
            if (count > 1)
            {
                // Answer a duplicated name once, at its first occurrence.
                if (count != int.MaxValue)
                {
                    seen[topic.Name] = int.MaxValue;
                    response.Results.Add(new CreatePartitionsResponse.CreatePartitionsTopicResult
                    {
                        Name = topic.Name,
                        ErrorCode = (short)ErrorCode.InvalidRequest,
                        ErrorMessage = "Duplicate topic name.",
                    });
                }

                continue;
            }

            List<int[]>? assignments = null;
            if (topic.Assignments is not null)
            {
                assignments = new List<int[]>(topic.Assignments.Count);
                foreach (var a in topic.Assignments)
                {
                    assignments.Add([.. a.BrokerIds]);
                }
            }

            var (error, message) = await runtime.Controller.CreatePartitionsAsync(topic.Name, topic.Count, assignments, request.ValidateOnly, cancellationToken).ConfigureAwait(false);
            response.Results.Add(new CreatePartitionsResponse.CreatePartitionsTopicResult { Name = topic.Name, ErrorCode = (short)error, ErrorMessage = message });
        }

        return response;
    }
}

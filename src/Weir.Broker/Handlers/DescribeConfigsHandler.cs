using Weir.Broker.Config;
using Weir.Broker.Dispatch;
using Weir.Broker.Metadata;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Handlers;

/// <summary>
/// DescribeConfigs v0–4: topic and broker resources (broker name = this node's id, or "" for the dynamic
/// cluster defaults), all configs or the requested keys, with source (v1+), synonyms (v1+, when asked),
/// type and documentation (v3+, documentation when asked). v0 reports IsDefault instead of a source.
/// </summary>
public sealed class DescribeConfigsHandler(BrokerRuntime runtime) : ApiHandler<DescribeConfigsRequest, DescribeConfigsResponse>
{
    public override ApiKey Key => ApiKey.DescribeConfigs;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    protected override ValueTask<DescribeConfigsResponse?> HandleAsync(RequestContext context, DescribeConfigsRequest request, CancellationToken cancellationToken)
    {
        var resolver = new ConfigResolver(runtime.Config, runtime.Metadata.Image);
        var includeSynonyms = context.ApiVersion >= 1 && request.IncludeSynonyms;
        var includeDocumentation = context.ApiVersion >= 3 && request.IncludeDocumentation;
        var response = new DescribeConfigsResponse();
        foreach (var resource in request.Resources)
        {
            var outcome = resolver.Describe((ConfigResourceKind)resource.ResourceType, resource.ResourceName, resource.ConfigurationKeys);
            var result = new DescribeConfigsResponse.DescribeConfigsResult
            {
                ErrorCode = (short)outcome.Error,
                ErrorMessage = outcome.Message,
                ResourceType = resource.ResourceType,
                ResourceName = resource.ResourceName,
            };
            foreach (var config in outcome.Configs)
            {
                result.Configs.Add(ToEntry(context.ApiVersion, config, includeSynonyms, includeDocumentation));
            }

            response.Results.Add(result);
        }

        return ValueTask.FromResult<DescribeConfigsResponse?>(response);
    }

    private static DescribeConfigsResponse.DescribeConfigsResourceResult ToEntry(short version, DescribedConfig config, bool includeSynonyms, bool includeDocumentation)
    {
        var entry = new DescribeConfigsResponse.DescribeConfigsResourceResult
        {
            Name = config.Name,
            Value = config.Value,
            ReadOnly = config.ReadOnly,
            IsSensitive = config.Sensitive,
            ConfigSource = (sbyte)config.Source,
            ConfigType = (sbyte)config.Type,
            Documentation = includeDocumentation ? config.Documentation : null,
        };

        // IsDefault exists only in v0 (and is not ignorable); later versions carry the source instead.
        if (version == 0)
        {
            entry.IsDefault = config.Source == ConfigSource.DefaultConfig;
        }

        if (includeSynonyms)
        {
            foreach (var synonym in config.Synonyms)
            {
                entry.Synonyms.Add(new DescribeConfigsResponse.DescribeConfigsSynonym { Name = synonym.Name, Value = synonym.Value, Source = (sbyte)synonym.Source });
            }
        }

        return entry;
    }
}

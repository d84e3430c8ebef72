namespace Weir.Protocol;

public static partial class ApiKeys
{
    /// <summary>
    /// The request header version for an API version: 2 when the request is flexible, else 1;
    /// ControlledShutdown v0 predates client ids and uses header v0.
    /// </summary>
    public static short RequestHeaderVersion(ApiKey apiKey, short apiVersion)
    {
        if (apiKey == ApiKey.ControlledShutdown && apiVersion == 0)
        {
            return 0;
        }

        return Get(apiKey).IsFlexible(apiVersion) ? (short)2 : (short)1;
    }

    /// <summary>
    /// The response header version: 1 when the response is flexible, else 0. ApiVersions always
    /// answers with header v0 so a client that guessed a too-new version can still parse the error.
    /// </summary>
    public static short ResponseHeaderVersion(ApiKey apiKey, short apiVersion)
    {
        if (apiKey == ApiKey.ApiVersions)
        {
            return 0;
        }

        return apiVersion >= Get(apiKey).ResponseFirstFlexibleVersion ? (short)1 : (short)0;
    }
}

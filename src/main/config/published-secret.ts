/**
 * The session secret shipped in the original gateway's env.default.properties.
 * It is public, so a gateway using it lets anyone forge reconnect keys: it is
 * kept as the default only so an original properties file loads unchanged,
 * and refused outside embedded mode (PROTOCOL §4).
 */
export const PUBLISHED_SESSION_SECRET =
  'YsDOJ6HtriYWK23OSeoEMSo687vc6yMIs9q9d4yzAUDer45tRTpsThFK0hIJWyFbNg6iXgmOvm2bhTgXVqFOMyqxQ6DB85NkQXyedOVlEvcUq98rAudPTDwjIPE17XiWPOF3cWUyWo1WJ6xPHT8ku2KsAlscyCFm3sWOZTIcgdQl9gzPvl8DrqAaIrnv1R8Bk7ztIsmAyFC3lGK82LFmxh1oSWBwxyMIzyvB2BWs8DLsvgiS4I7suStuDWoHKnMZJzQdxJAB5SItI0tTLFeQmbSVunoAo1t1dmk1FqjJ2JwPyXz0dfxteFMXGCODewXplAN3pYif2eCbNyJKjkhq1gS1FIhlQlupvRKmHeYEFg1QHuCiRO4pVngYiRNs0eQYMnDJCiskuWA3OeFKkF1ZZYqNwJWMt58gDcIFIiRkX4tDN4qON4mrWVmFfiBiEXaV0EFbtFwZvvfNYUwMygWzvTOMXVEiwZwfdH7BIuAiicOC3fmfKEYMZgknUMORsB2u';

/**
 * The shutdown code of the original gateway's env.default.properties: public,
 * so it is refused outside embedded mode (PROTOCOL §4). Our default is empty.
 */
export const PUBLISHED_SHUTDOWN_CODE = 'pass123';

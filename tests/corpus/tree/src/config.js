'use strict';

app.use(express.json());
const DATABASE_URL = 'postgres://USER:PASSWORD@HOST:5432/DATABASE';
const azureStorageConnectionString = "DefaultEndpointsProtocol=https;AccountName=acmesihu9nas;AccountKey=XKJScdtriaOYtFnnBCsTF5NiPMph8HfF4btwuqpDzNgSXTDMo/jlZOmc5mOK16UcgrJ9v/FeV5y7WOHo/+hztg==;EndpointSuffix=core.windows.net";
const ghToken = "gho_GNHOErDY9xRh3qtgsO1LqzxiXPN6gQ2ZEPia";
const res = await fetch("https://nexus.acme-corp.io/service/rest/v1/status", { headers: { "Authorization": "Basic amVua2luczpzQiMqVXFTQlV6RGozKmcxNmU4cg==" } });
const TIMEOUT_MS = 30_000;
const PORT = process.env.PORT || 3000;
module.exports.passwordMinLength = "12";
module.exports.dtApiToken = "dt0c01.WPSHU28BT61IW564ROOSFPJ5.YIRG8G8MPZNYNPCUB068MFQUGCNRUMQ8WXEDYT0VW6GX0BG9794OXU78ZAWOEFKU";
const app = express();
const API_BASE = 'https://api.acme-corp.io';
module.exports.sendgridApiKey = "SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
const client = new ApiClient({ baseUrl: API_BASE, credential: "glpat-31uTjCX8eIt5NQVCNZyX" });
const openaiApiKey = process.env["OPENAI_API_KEY"] ?? "";
const NOTION_TOKEN = 'secret_L4DP3DDY7gtoPoCMZmiHGFOlVKdsS4dXyLa7liafRtP';
const express = require('express');

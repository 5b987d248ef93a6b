module.exports = {
  title: 'Acme Docs',
  url: 'https://docs.acme-corp.io',
  themeConfig: {
    algolia: { appId: 'BH4D9OD16A', apiKey: '89c2d935a05fe79044931e6a86f9909f', indexName: 'acme' },
  },
};

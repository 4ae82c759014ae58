const root = document.querySelector('#app');
if (root) root.append(document.createTextNode('loading…'));
